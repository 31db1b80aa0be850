//! Reading the marked function's signature: which parameters cross the wire,
//! which the plugin injects, and what the function returns.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{FnArg, Ident, ItemFn, Pat, ReturnType, Type};

/// Parameter types the plugin fills in itself, recognised by the last
/// segment of their path. They never cross the wire.
const INJECTED: &[&str] = &[
    "State",
    "AppHandle",
    "Webview",
    "Window",
    "WebviewWindow",
    "Invalidations",
    "Identity",
    // Streams (docs/protocol.md: "Streams"): a function that takes one streams its items.
    "StreamSink",
];

/// The injected types that say which window called: a cached function
/// cannot take them (its entry is not keyed by window).
pub(crate) const PER_WINDOW: &[&str] = &["Webview", "Window", "WebviewWindow"];

pub(crate) enum Param {
    Wire { name: Ident, ty: Type, doc: String },
    Injected { ty: Type, kind: String },
}

pub(crate) enum Output {
    /// No return type: the result is `null`.
    Unit,
    /// A plain value.
    Value(Type),
    /// `Result<T, E>` (or an alias whose last segment is `Result`).
    Result(Type),
}

pub(crate) struct Signature {
    pub(crate) params: Vec<Param>,
    pub(crate) output: Output,
    pub(crate) is_async: bool,
    /// A streaming function's item type: the `T` of its `StreamSink<T>`.
    pub(crate) stream: Option<Type>,
}

impl Signature {
    pub(crate) fn wire(&self) -> impl Iterator<Item = (&Ident, &Type)> {
        self.params.iter().filter_map(|p| match p {
            Param::Wire { name, ty, .. } => Some((name, ty)),
            Param::Injected { .. } => None,
        })
    }
}

pub(crate) fn read(item: &ItemFn) -> syn::Result<Signature> {
    let sig = &item.sig;
    if let Some(param) = sig.generics.params.first() {
        return Err(syn::Error::new_spanned(
            param,
            "a #[client] function cannot be generic: its wire types must be known to generate the client",
        ));
    }
    if let Some(c) = &sig.constness {
        return Err(syn::Error::new_spanned(
            c,
            "a #[client] function cannot be `const`",
        ));
    }
    if let Some(u) = &sig.unsafety {
        return Err(syn::Error::new_spanned(
            u,
            "a #[client] function cannot be `unsafe`",
        ));
    }
    if let Some(v) = &sig.variadic {
        return Err(syn::Error::new_spanned(
            v,
            "a #[client] function cannot be variadic",
        ));
    }

    if let Some(span) = sig
        .inputs
        .iter()
        .find_map(|i| match i {
            FnArg::Typed(pat) => self_type(pat.ty.to_token_stream()),
            FnArg::Receiver(_) => None,
        })
        .or_else(|| match &sig.output {
            ReturnType::Type(_, ty) => self_type(ty.to_token_stream()),
            ReturnType::Default => None,
        })
    {
        return Err(syn::Error::new(
            span,
            "`#[client]` goes on a free function of a module, not on an associated function in an `impl` block: `Self` names no type there",
        ));
    }

    let mut params = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(r) => {
                return Err(syn::Error::new_spanned(
                    r,
                    "a #[client] function cannot take `self`: make it a free function",
                ))
            }
            FnArg::Typed(pat) => {
                let ty = (*pat.ty).clone();
                if let Some(kind) = injected_kind(&ty) {
                    params.push(Param::Injected { ty, kind });
                    continue;
                }
                let name = match &*pat.pat {
                    Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => p.ident.clone(),
                    other => {
                        return Err(syn::Error::new_spanned(
                            other,
                            "a wire parameter of a #[client] function must be a plain name: the name is what the webview sends",
                        ))
                    }
                };
                if let Type::Reference(r) = &ty {
                    return Err(syn::Error::new_spanned(
                        r,
                        "a wire parameter must be an owned type (`String`, not `&str`): it is deserialized from the webview's JSON",
                    ));
                }
                if let Type::ImplTrait(t) = &ty {
                    return Err(syn::Error::new_spanned(
                        t,
                        "a wire parameter cannot be `impl Trait`: give it a concrete type",
                    ));
                }
                params.push(Param::Wire {
                    name,
                    ty,
                    doc: crate::docs::text(&pat.attrs),
                });
            }
        }
    }

    let output = match &sig.output {
        ReturnType::Default => Output::Unit,
        ReturnType::Type(_, ty) => {
            if let Type::ImplTrait(t) = &**ty {
                return Err(syn::Error::new_spanned(
                    t,
                    "a #[client] function cannot return `impl Trait`: use `async fn` and a concrete type",
                ));
            }
            if last_segment(ty).is_some_and(|s| s == "Result") {
                Output::Result((**ty).clone())
            } else {
                Output::Value((**ty).clone())
            }
        }
    };

    let stream = stream_item(&params)?;
    if let (Some(_), None) = (&stream, &sig.asyncness) {
        return Err(syn::Error::new_spanned(
            sig.fn_token,
            "a streaming #[client] function (one that takes a `StreamSink`) must be `async fn`: it waits for the consumer",
        ));
    }
    Ok(Signature {
        params,
        output,
        is_async: sig.asyncness.is_some(),
        stream,
    })
}

/// The item type of the one `StreamSink<T>` param, if there is one.
fn stream_item(params: &[Param]) -> syn::Result<Option<Type>> {
    let mut found: Option<Type> = None;
    for p in params {
        let Param::Injected { ty, kind } = p else {
            continue;
        };
        if kind != "StreamSink" {
            continue;
        }
        if found.is_some() {
            return Err(syn::Error::new_spanned(
                ty,
                "a #[client] function takes at most one `StreamSink`",
            ));
        }
        let item = match ty {
            Type::Path(p) => p.path.segments.last().and_then(|s| match &s.arguments {
                syn::PathArguments::AngleBracketed(a) if a.args.len() == 1 => {
                    match a.args.first() {
                        Some(syn::GenericArgument::Type(t)) => Some(t.clone()),
                        _ => None,
                    }
                }
                _ => None,
            }),
            _ => None,
        };
        match item {
            Some(item) => found = Some(item),
            None => {
                return Err(syn::Error::new_spanned(
                    ty,
                    "write the item type: `StreamSink<T>`",
                ))
            }
        }
    }
    Ok(found)
}

/// The span of a `Self` in a type, if it holds one.
fn self_type(tokens: TokenStream) -> Option<Span> {
    tokens.into_iter().find_map(|t| match t {
        TokenTree::Ident(i) if i == "Self" => Some(i.span()),
        TokenTree::Group(g) => self_type(g.stream()),
        _ => None,
    })
}

fn injected_kind(ty: &Type) -> Option<String> {
    last_segment(ty).filter(|s| INJECTED.contains(&s.as_str()))
}

fn last_segment(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().map(|s| s.ident.to_string()),
        Type::Group(g) => last_segment(&g.elem),
        Type::Paren(p) => last_segment(&p.elem),
        _ => None,
    }
}

/// Whether a function returning `output` returns `Bytes` (or
/// `Result<Bytes, E>`), recognised by the last segment of the path: its
/// bytes are answered raw (docs/protocol.md: "Uploads and binary results").
pub(crate) fn returns_bytes(output: &Output) -> bool {
    match output {
        Output::Unit => false,
        Output::Value(ty) => last_segment(ty).is_some_and(|s| s == "Bytes"),
        Output::Result(ty) => first_type_arg(ty).is_some_and(|t| returns_bytes(&Output::Value(t))),
    }
}

/// The first generic type argument of a path type (`T` of `Result<T, E>`).
fn first_type_arg(ty: &Type) -> Option<Type> {
    let Type::Path(p) = ty else { return None };
    let syn::PathArguments::AngleBracketed(args) = &p.path.segments.last()?.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    })
}

/// Whether a type names `Upload` anywhere (`Upload`, `Option<Upload>`,
/// `Vec<Upload>`).
pub(crate) fn names_upload(ty: &Type) -> bool {
    fn find(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|t| match t {
            TokenTree::Ident(i) => i == "Upload",
            TokenTree::Group(g) => find(g.stream()),
            _ => false,
        })
    }
    find(ty.to_token_stream())
}
