//! The `#[client]` attribute of Mizan for Tauri.
//!
//! Use it through the plugin crate: `tauri_plugin_mizan::client`. The
//! attribute keeps the function as written and registers it, with its wire
//! parameters, its kind and its invalidation rules, for the plugin to serve.

use proc_macro::TokenStream;

mod args;
mod client;
mod docs;
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
