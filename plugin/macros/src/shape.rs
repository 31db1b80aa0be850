//! Expansion of `#[derive(tauri_plugin_mizan::Shape)]`: a struct whose
//! fields are columns of one SQLite table (docs/protocol.md: "Shapes over SQLite").
//!
//! ```text
//! #[derive(Serialize, Type, Shape)]
//! #[shape(table = "notes")]            // key = "id" unless named
//! struct NoteCard {
//!     id: i64,
//!     #[shape(column = "text")]
//!     title: String,
//!     done: bool,
//! }
//! ```
//!
//! The expansion implements `Shape` (the table, the key, the column list
//! and the row mapping, by column position) and registers the Shape for
//! the IR and for the start-up schema check. Every mistake the derive can
//! see is an error at the user's span: a missing `table`, a key that is
//! not one of the fields, a column named twice, a tuple struct.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::{
    ext::IdentExt, spanned::Spanned, Data, DeriveInput, Fields, GenericArgument, LitStr,
    PathArguments, Type,
};

/// The `#[shape(...)]` options of the struct.
struct Container {
    table: LitStr,
    key: Option<LitStr>,
}

pub(crate) fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let input: DeriveInput = syn::parse2(input)?;
    let container = container(&input)?;
    let fields = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => named,
            other => {
                return Err(syn::Error::new(
                    other.span(),
                    "a Shape is a struct with named fields, one per column",
                ))
            }
        },
        _ => {
            return Err(syn::Error::new(
                input.ident.span(),
                "a Shape is a struct with named fields, one per column",
            ))
        }
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            "a Shape has no generic parameters",
        ));
    }
    if fields.named.is_empty() {
        return Err(syn::Error::new(
            input.ident.span(),
            "a Shape has at least its table's primary key as a field",
        ));
    }

    let mut columns: Vec<(syn::Ident, String, &Type)> = Vec::new();
    for f in &fields.named {
        let ident = f.ident.clone().expect("named fields have names");
        let column = field_column(f)?.unwrap_or_else(|| ident.unraw().to_string());
        if let Some((other, _, _)) = columns.iter().find(|(_, c, _)| *c == column) {
            return Err(syn::Error::new(
                ident.span(),
                format!("column `{column}` is already read by field `{other}`: a Shape reads each column once"),
            ));
        }
        columns.push((ident, column, &f.ty));
    }

    let key = container
        .key
        .as_ref()
        .map_or_else(|| "id".to_owned(), LitStr::value);
    if !columns.iter().any(|(_, c, _)| *c == key) {
        let span = container
            .key
            .as_ref()
            .map_or_else(|| input.ident.span(), LitStr::span);
        return Err(syn::Error::new(
            span,
            format!(
                "a Shape always reads its table's primary key, and no field reads column `{key}`: add a field for it{}",
                if container.key.is_none() {
                    ", or name the key with #[shape(key = \"...\")]"
                } else {
                    ""
                }
            ),
        ));
    }

    let name = &input.ident;
    let rust_name = name.unraw().to_string();
    let table = container.table.value();
    let root = quote!(::tauri_plugin_mizan);
    let private = quote!(#root::__private);
    let column_names = columns.iter().map(|(_, c, _)| c);
    let metas = columns.iter().map(|(ident, column, ty)| {
        let field = ident.unraw().to_string();
        let nullable = option_inner(ty).is_some();
        quote_spanned! {ty.span()=>
            #private::ShapeColumn {
                field: #field,
                column: #column,
                kind: <#ty as #root::shape::ColumnType>::KIND,
                nullable: #nullable,
            }
        }
    });
    let reads = columns.iter().enumerate().map(|(i, (ident, _, ty))| {
        quote_spanned! {ty.span()=> #ident: #private::read_column::<#ty>(row, #i)? }
    });

    Ok(quote! {
        impl #root::shape::Shape for #name {
            const TABLE: &'static str = #table;
            const KEY: &'static str = #key;
            const COLUMNS: &'static [&'static str] = &[#(#column_names),*];

            fn from_row(row: &#private::rusqlite::Row<'_>) -> #private::rusqlite::Result<Self> {
                ::core::result::Result::Ok(Self { #(#reads),* })
            }

            fn meta() -> &'static #private::ShapeMeta {
                static META: #private::ShapeMeta = #private::ShapeMeta {
                    rust_name: #rust_name,
                    sid: <#name as #private::specta::NamedType>::sid,
                    table: #table,
                    key: #key,
                    columns: &[#(#metas),*],
                };
                &META
            }
        }

        #private::inventory::submit! {
            #private::ShapeRegistration(<#name as #root::shape::Shape>::meta)
        }
    })
}

fn container(input: &DeriveInput) -> syn::Result<Container> {
    let mut table = None;
    let mut key = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("shape")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("table") {
                table = Some(non_empty(meta.value()?.parse()?)?);
                Ok(())
            } else if meta.path.is_ident("key") {
                key = Some(non_empty(meta.value()?.parse()?)?);
                Ok(())
            } else {
                Err(meta
                    .error("unknown Shape option: expected `table = \"...\"` or `key = \"...\"`"))
            }
        })?;
    }
    let table = table.ok_or_else(|| {
        syn::Error::new(
            input.ident.span(),
            "a Shape names its table: #[shape(table = \"...\")]",
        )
    })?;
    Ok(Container { table, key })
}

/// The `#[shape(column = "...")]` of a field, if any.
fn field_column(field: &syn::Field) -> syn::Result<Option<String>> {
    let mut column = None;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("shape")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("column") {
                column = Some(non_empty(meta.value()?.parse()?)?.value());
                Ok(())
            } else {
                Err(meta.error("unknown Shape field option: expected `column = \"...\"`"))
            }
        })?;
    }
    Ok(column)
}

fn non_empty(lit: LitStr) -> syn::Result<LitStr> {
    let v = lit.value();
    if v.is_empty() || v.contains('\0') {
        Err(syn::Error::new(
            lit.span(),
            "a table or column name is not empty and has no NUL character",
        ))
    } else {
        Ok(lit)
    }
}

/// `T` of an `Option<T>` (by the path's last segment): the column may be
/// `NULL`.
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(t) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}
