//! Expansion of `#[client]`: the function stays as written; beside it, a
//! handler that takes the wire arguments, fills in the injected ones and
//! turns the outcome into the plugin's output, and an entry in the registry.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::{ext::IdentExt, spanned::Spanned, ItemFn, LitStr};

use crate::{
    args::{AuthArg, CacheArg, ClientArgs},
    signature::{self, Output, Param, Signature},
};

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let args: ClientArgs = syn::parse2(attr)?;
    let mut func: ItemFn = syn::parse2(item)?;
    let sig = signature::read(&func)?;
    let docs = crate::docs::text(&func.attrs);
    crate::docs::strip_params(&mut func);
    check_mappings(&args, &sig)?;
    check_binary(&args, &sig)?;
    check_cache_scope(&args, &sig)?;
    if let (Some(ctx), Some(_)) = (&args.context, &sig.stream) {
        return Err(syn::Error::new_spanned(
            ctx,
            "a context function cannot stream: its result is part of a bundle. Make it a query (`#[client]`) or a mutation",
        ));
    }

    let krate = quote!(::tauri_plugin_mizan::__private);
    let fn_ident = &func.sig.ident;
    let wire_name = match &args.name {
        Some(lit) => lit.clone(),
        None => LitStr::new(&fn_ident.unraw().to_string(), fn_ident.span()),
    };

    let handler = handler(&krate, &func, &sig);
    let kind = kind(&krate, &args);
    let params = sig.params.iter().filter_map(|p| {
        let Param::Wire { name, ty, doc } = p else {
            return None;
        };
        let wire = name.unraw().to_string();
        let param = quote_spanned!(ty.span()=> #krate::WireParam::new::<#ty>(#wire));
        Some(if doc.is_empty() {
            param
        } else {
            quote!(#param.with_doc(#doc))
        })
    });
    let types = types(&krate, &sig);
    let rust_name = fn_ident.to_string();
    let auth = match &args.auth {
        None => quote!(#krate::Auth::None),
        Some(AuthArg::Identity) => quote!(#krate::Auth::Identity),
        Some(AuthArg::Role(role)) => quote!(#krate::Auth::Role(#role)),
    };
    let injected = sig.params.iter().filter_map(|p| match p {
        Param::Injected { kind, .. } => Some(kind.as_str()),
        Param::Wire { .. } => None,
    });
    let is_async = sig.is_async;
    let cache = match &args.cache {
        None => quote!(::core::option::Option::None),
        Some(CacheArg {
            ttl_ms,
            stale_if_error_ms,
            timeout_ms,
        }) => quote!(::core::option::Option::Some(#krate::CachePolicy::new(
            #ttl_ms, #stale_if_error_ms, #timeout_ms
        ))),
    };

    let registration = format_ident!("__MIZAN_CLIENT_{}", fn_ident.unraw());
    let stand_in = stand_in(&krate, fn_ident, &sig);

    // A named const (an `impl` block allows no `const _`) whose block holds
    // a stand-in under the function's name, and an inner block that
    // glob-imports the module: there the module's free function of that
    // name shadows the stand-in. Only when there is none (the function is
    // in an `impl` block) does the expansion reach the stand-in, and the
    // probe in the handler fails with a message naming `#[client]`.
    Ok(quote! {
        #func

        #[doc(hidden)]
        #[allow(non_upper_case_globals, non_snake_case, clippy::all)]
        const #registration: () = {
            #stand_in
            {
            #[allow(unused_imports)]
            use self::*;
            #[allow(unused_imports)]
            use #krate::{ProbeFunction as _, ProbeStandIn as _, ReturnsResult as _, ReturnsValue as _};

            #handler
            #types

            #krate::inventory::submit! {
                #krate::ClientFn {
                    name: #wire_name,
                    rust_name: #rust_name,
                    module: ::core::module_path!(),
                    kind: #kind,
                    auth: #auth,
                    cache: #cache,
                    injected: &[#(#injected),*],
                    is_async: #is_async,
                    params: &[#(#params),*],
                    handler: __mizan_handler,
                    types: __mizan_types,
                    docs: #docs,
                }
            }
            }
        };
    })
}

/// `const <fn name>: NotAFreeFunction<fn(<params>) -> <output>>`: what the
/// expansion calls when the module has no free function of that name.
fn stand_in(krate: &TokenStream, fn_ident: &syn::Ident, sig: &Signature) -> TokenStream {
    let tys = sig.params.iter().map(|p| match p {
        Param::Wire { ty, .. } | Param::Injected { ty, .. } => ty,
    });
    let blanks = sig.params.iter().map(|_| quote!(_));
    let output = match &sig.output {
        Output::Unit => quote!(()),
        Output::Value(ty) | Output::Result(ty) => quote!(#ty),
    };
    let output = if sig.is_async {
        quote!(::core::pin::Pin<::std::boxed::Box<dyn ::core::future::Future<Output = #output> + ::core::marker::Send>>)
    } else {
        output
    };
    quote! {
        #[allow(non_upper_case_globals, dead_code)]
        const #fn_ident: #krate::NotAFreeFunction<fn(#(#tys),*) -> #output> =
            #krate::NotAFreeFunction(|#(#blanks),*| ::core::unreachable!());
    }
}

/// Every mapped function param must be one of the function's wire params.
fn check_mappings(args: &ClientArgs, sig: &Signature) -> syn::Result<()> {
    for affect in args.affects.iter().flatten() {
        for (_, fn_param) in &affect.map {
            if !sig.wire().any(|(name, _)| name.unraw() == fn_param.unraw()) {
                return Err(syn::Error::new_spanned(
                    fn_param,
                    format!("`{fn_param}` is not a wire parameter of this function"),
                ));
            }
        }
    }
    Ok(())
}

/// Only a query may return `Bytes`: a raw answer carries no targets, and
/// a bundle is JSON. A context function takes no `Upload`: a bundle is fetched as JSON.
fn check_binary(args: &ClientArgs, sig: &Signature) -> syn::Result<()> {
    if args.context.is_some() {
        if let Some((_, ty)) = sig.wire().find(|(_, ty)| signature::names_upload(ty)) {
            return Err(syn::Error::new_spanned(
                ty,
                "a context function cannot take an `Upload`: a bundle is fetched as JSON; take the file in a query or a mutation",
            ));
        }
    }
    if !signature::returns_bytes(&sig.output) {
        return Ok(());
    }
    let (Output::Value(ty) | Output::Result(ty)) = &sig.output else {
        return Ok(());
    };
    if args.context.is_some() || args.affects.is_some() {
        return Err(syn::Error::new_spanned(
            ty,
            "only a query (no `context`, no `affects`) may return `Bytes`: a raw answer carries no invalidation targets and a bundle is JSON; return a JSON type here, or make it a query",
        ));
    }
    Ok(())
}

fn kind(krate: &TokenStream, args: &ClientArgs) -> TokenStream {
    if let Some(ctx) = &args.context {
        return quote_spanned!(ctx.span()=> #krate::FnKind::Context(&#ctx));
    }
    match &args.affects {
        None => quote!(#krate::FnKind::Query),
        Some(list) => {
            let items = list.iter().map(|a| {
                let ctx = &a.context;
                let pairs = a.map.iter().map(|(k, p)| {
                    let k = k.unraw().to_string();
                    let p = p.unraw().to_string();
                    quote!((#k, #p))
                });
                quote_spanned!(ctx.span()=> #krate::Affect { context: &#ctx, map: &[#(#pairs),*] })
            });
            quote!(#krate::FnKind::Mutation(&[#(#items),*]))
        }
    }
}

fn handler(krate: &TokenStream, func: &ItemFn, sig: &Signature) -> TokenStream {
    let fn_ident = &func.sig.ident;
    let mut takes = Vec::new();
    let mut unwraps = Vec::new();
    let mut captures = Vec::new();
    let mut call_args = Vec::new();
    let mut injects = Vec::new();
    let mut forms = Vec::new();
    let wire_names: Vec<String> = sig
        .wire()
        .map(|(name, _)| name.unraw().to_string())
        .collect();

    for (i, param) in sig.params.iter().enumerate() {
        let var = format_ident!("__mizan_arg{}", i);
        match param {
            Param::Wire { name, ty, .. } => {
                let wire = name.unraw().to_string();
                takes.push(quote_spanned!(ty.span()=> let #var = __args.take::<#ty>(#wire);));
                unwraps.push(var.clone());
                captures.push(quote!(__ctx.capture(#wire, &#var);));
                // A form param (its type derives `Form`) is validated
                // before the body runs (docs/protocol.md: "Forms").
                forms.push(quote_spanned!(ty.span()=>
                    (&#krate::FormProbe::<#ty>::PROBE).__mizan_check_form(&#var)?;
                ));
            }
            Param::Injected { ty, .. } => {
                injects.push(quote_spanned!(ty.span()=>
                    let #var = match <#ty as #krate::FromCallContext>::from_call_context(&__ctx) {
                        ::core::result::Result::Ok(v) => v,
                        ::core::result::Result::Err(e) => return ::core::result::Result::Err(e),
                    };
                ));
            }
        }
        call_args.push(var);
    }

    let call = if sig.is_async {
        quote!(#fn_ident(#(#call_args),*).await)
    } else {
        quote!(#fn_ident(#(#call_args),*))
    };
    let bytes = signature::returns_bytes(&sig.output);
    let finish = match &sig.output {
        Output::Unit => quote!({ #call; #krate::output_unit() }),
        Output::Value(ty) | Output::Result(ty) if sig.stream.is_some() => {
            quote_spanned!(ty.span()=> <#ty as #krate::StreamEnd>::into_outcome(#call))
        }
        Output::Value(ty) if bytes => quote_spanned!(ty.span()=> #krate::output_bytes(#call)),
        Output::Result(ty) if bytes => {
            quote_spanned!(ty.span()=> #krate::output_bytes_result::<#ty>(#call))
        }
        Output::Value(ty) => quote_spanned!(ty.span()=> #krate::output_value::<#ty>(#call)),
        Output::Result(ty) => quote_spanned!(ty.span()=> #krate::output_result::<#ty>(#call)),
    };
    let destructure = if unwraps.is_empty() {
        quote!()
    } else {
        quote! {
            let (#(::core::option::Option::Some(#unwraps),)*) = (#(#unwraps,)*) else {
                return ::core::result::Result::Err(#krate::CallError::internal("argument parsing"));
            };
        }
    };

    let free = quote_spanned!(fn_ident.span()=>
        #krate::free_function((&#krate::Probe(&#fn_ident)).__mizan_free_fn());
    );
    let plain = match &sig.output {
        Output::Value(ty) if sig.stream.is_none() => quote_spanned!(ty.span()=>
            #krate::plain_return((&#krate::Returns::<#ty>::PROBE).__mizan_returns());
        ),
        Output::Unit | Output::Value(_) | Output::Result(_) => quote!(),
    };
    quote! {
        fn __mizan_handler(
            __ctx: #krate::CallCtx,
            mut __args: #krate::Args<'_>,
        ) -> ::core::result::Result<#krate::HandlerFuture, #krate::CallError> {
            #free
            #plain
            #(#takes)*
            __args.finish(&[#(#wire_names),*])?;
            #destructure
            {
                #[allow(unused_imports)]
                use #krate::{ProbeForm as _, ProbePlain as _};
                #(#forms)*
            }
            if __ctx.validating() {
                return ::core::result::Result::Ok(::std::boxed::Box::pin(::core::future::ready(#krate::validated())));
            }
            #(#captures)*
            ::core::result::Result::Ok(::std::boxed::Box::pin(async move {
                #(#injects)*
                #finish
            }))
        }
    }
}

/// The specta types of the wire params, the result and the error, for the IR.
fn types(krate: &TokenStream, sig: &Signature) -> TokenStream {
    let params = sig.wire().map(|(name, ty)| {
        let wire = name.unraw().to_string();
        quote_spanned!(ty.span()=> (#wire, #krate::type_of::<#ty>(__types)))
    });
    let (result, error) = match &sig.output {
        Output::Unit => (
            quote!(#krate::type_of::<()>(__types)),
            quote!(::core::option::Option::None),
        ),
        Output::Value(ty) => (
            quote_spanned!(ty.span()=> #krate::type_of::<#ty>(__types)),
            quote!(::core::option::Option::None),
        ),
        Output::Result(ty) => (
            quote_spanned!(ty.span()=> #krate::type_of::<<#ty as #krate::ClientResult>::Ok>(__types)),
            quote_spanned!(ty.span()=> ::core::option::Option::Some(#krate::type_of::<<#ty as #krate::ClientResult>::Err>(__types))),
        ),
    };
    let forms = sig.wire().map(|(name, ty)| {
        let wire = name.unraw().to_string();
        quote_spanned!(ty.span()=> (&#krate::FormProbe::<#ty>::PROBE).__mizan_form(#wire))
    });
    let item = match &sig.stream {
        Some(ty) => {
            quote_spanned!(ty.span()=> ::core::option::Option::Some(#krate::type_of::<#ty>(__types)))
        }
        None => quote!(::core::option::Option::None),
    };
    quote! {
        fn __mizan_types(__types: &mut #krate::specta::TypeCollection) -> #krate::FnTypes {
            #[allow(unused_imports)]
            use #krate::{ProbeForm as _, ProbePlain as _};
            #krate::FnTypes {
                forms: ::std::vec::Vec::<::core::option::Option<#krate::FormSchema>>::from([#(#forms),*])
                    .into_iter()
                    .flatten()
                    .collect(),
                params: ::std::vec![#(#params),*],
                result: #result,
                error: #error,
                item: #item,
            }
        }
    }
}

/// A cached function's entry is keyed by identity, name and wire params,
/// never by the window that asked: a function that reads its `Webview` or
/// `Window` could answer per window, and one window would be served
/// another's answer.
fn check_cache_scope(args: &ClientArgs, sig: &Signature) -> syn::Result<()> {
    if args.cache.is_none() {
        return Ok(());
    }
    for p in &sig.params {
        if let Param::Injected { ty, kind } = p {
            if signature::PER_WINDOW.contains(&kind.as_str()) {
                return Err(syn::Error::new_spanned(
                    ty,
                    format!(
                        "a cached function cannot take a `{kind}`: its entry is shared by every window of the same identity. Drop `cache`, or pass what it needs from the window as a wire parameter"
                    ),
                ));
            }
        }
    }
    Ok(())
}
