//! The `#[client]` attribute and the `Type` and `Form` derives of Mizan
//! for Tauri.
//!
//! Use them through the plugin crate: `tauri_plugin_mizan::client` and
//! `tauri_plugin_mizan::Type`. The attribute keeps the function as written
//! and registers it, with its wire parameters, its kind and its
//! invalidation rules, for the plugin to serve; the derive describes a wire
//! type to the code generator.

use proc_macro::TokenStream;

mod args;
mod client;
mod derive_type;
mod docs;
mod form;
#[cfg(feature = "sqlite")]
mod shape;
mod signature;

/// Marks a function as callable from the webview through Mizan.
///
/// See the documentation of `tauri_plugin_mizan::client` for the forms the
/// attribute takes.
#[proc_macro_attribute]
pub fn client(attr: TokenStream, item: TokenStream) -> TokenStream {
    client::expand(attr.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Describes a wire type (a param, result or error of a `#[client]`
/// function) to the code generator: specta's `Type` derive, reached
/// through the plugin so the app needs no specta dependency.
///
/// See the documentation of `tauri_plugin_mizan::Type`.
#[proc_macro_derive(Type, attributes(specta, serde))]
pub fn derive_type(item: TokenStream) -> TokenStream {
    derive_type::expand(item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Gives a struct a form schema: its fields by serde wire name with the
/// rules of validator's `#[validate(...)]` attributes, and the wire name
/// of each Rust field, so a function that takes it validates every call
/// and reports errors by wire path.
///
/// See the documentation of `tauri_plugin_mizan::Form`.
#[proc_macro_derive(Form, attributes(validate, serde))]
pub fn derive_form(item: TokenStream) -> TokenStream {
    form::expand(item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Declares a Shape: a struct whose fields are columns of one SQLite
/// table, read with exactly those columns.
///
/// See the documentation of `tauri_plugin_mizan::shape`.
#[cfg(feature = "sqlite")]
#[proc_macro_derive(Shape, attributes(shape))]
pub fn derive_shape(item: TokenStream) -> TokenStream {
    shape::expand(item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
