//! Expansion of `#[derive(tauri_plugin_mizan::Type)]`: specta's `Type`
//! derive, reached through the plugin, so an app needs no specta
//! dependency of its own (and cannot pick a specta version that differs
//! from the plugin's).
//!
//! A derive cannot change the item it is on, and specta's derive writes
//! paths that start with `specta::`. So the expansion declares a private
//! copy of the type that keeps only what specta reads (`serde`, `specta`,
//! `doc`, `deprecated` and `repr` attributes) and derives specta's `Type`
//! on the copy with `#[specta(crate = <the plugin's specta>, remote =
//! <the type>)]`: the implementation is for the user's type, under its own
//! name, with specta's own reading of serde's attributes.

use proc_macro2::{TokenStream, TokenTree};
use quote::{format_ident, quote};
use syn::{ext::IdentExt, Attribute, Data, DeriveInput, Fields, Meta, Visibility};

/// The attributes specta reads; the copy keeps these and drops the rest
/// (another derive's helper attribute would not compile on the copy).
const KEPT: &[&str] = &["serde", "specta", "doc", "deprecated", "repr"];

pub(crate) fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let mut copy: DeriveInput = syn::parse2(input)?;
    let original = copy.ident.clone();
    let renamed = copy.attrs.iter().any(renames);
    let specta = quote!(::tauri_plugin_mizan::__private::specta);

    keep_read_attrs(&mut copy.attrs);
    match &mut copy.data {
        Data::Struct(s) => strip_fields(&mut s.fields),
        Data::Enum(e) => {
            for v in &mut e.variants {
                keep_read_attrs(&mut v.attrs);
                strip_fields(&mut v.fields);
            }
        }
        // specta's derive answers unions with its own error.
        Data::Union(_) => {}
    }
    copy.vis = Visibility::Inherited;
    copy.ident = format_ident!("__MizanType{}", original.unraw());

    // specta names the type after the item it derives on; the copy carries
    // the original name, unless serde or specta already rename it.
    let name = (!renamed).then(|| {
        let name = original.unraw().to_string();
        quote!(#[specta(rename = #name)])
    });
    Ok(quote! {
        #[doc(hidden)]
        #[allow(dead_code, non_camel_case_types, unused, clippy::all)]
        const _: () = {
            #[derive(#specta::Type)]
            #[specta(crate = #specta, remote = #original)]
            #name
            #copy
        };
    })
}

fn keep_read_attrs(attrs: &mut Vec<Attribute>) {
    attrs.retain(|a| KEPT.iter().any(|k| a.path().is_ident(k)));
}

fn strip_fields(fields: &mut Fields) {
    for f in fields.iter_mut() {
        keep_read_attrs(&mut f.attrs);
        f.vis = Visibility::Inherited;
    }
}

/// Whether a container attribute is `#[serde(rename ...)]` or
/// `#[specta(rename ...)]` (not `rename_all`).
fn renames(attr: &Attribute) -> bool {
    let Meta::List(list) = &attr.meta else {
        return false;
    };
    (list.path.is_ident("serde") || list.path.is_ident("specta"))
        && list
            .tokens
            .clone()
            .into_iter()
            .any(|t| matches!(t, TokenTree::Ident(i) if i == "rename"))
}
