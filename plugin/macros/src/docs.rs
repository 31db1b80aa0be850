//! Doc comments: the `///` lines of the function and of its params, for
//! the registry (and from there the IR and the generated client's JSDoc).

use syn::{Attribute, Expr, ExprLit, FnArg, ItemFn, Lit, Meta};

fn is_doc(attr: &Attribute) -> bool {
    attr.path().is_ident("doc")
}

/// The text of the `#[doc = "..."]` attributes (`///` and `/** */`), with
/// the indentation common to its lines removed, trimmed. A doc attribute
/// that is not a string literal (`#[doc = include_str!(...)]`) is left out.
pub(crate) fn text(attrs: &[Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| is_doc(a))
        .filter_map(|a| match &a.meta {
            Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .flat_map(|v| {
            v.split('\n')
                .map(|l| l.trim_end_matches('\r').to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| l.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

/// Takes the doc attributes off the function's params: Rust allows none
/// there, so the attribute reads them (see [`text`]) and removes them.
pub(crate) fn strip_params(func: &mut ItemFn) {
    for input in &mut func.sig.inputs {
        if let FnArg::Typed(pat) = input {
            pat.attrs.retain(|a| !is_doc(a));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_lose_their_common_indent() {
        let f: ItemFn = syn::parse_quote! {
            /// First line.
            ///
            ///     indented code
            /// Last.
            #[doc = include_str!("x")]
            fn f() {}
        };
        assert_eq!(text(&f.attrs), "First line.\n\n    indented code\nLast.");
        let g: ItemFn = syn::parse_quote! {
            /** Block
                doc */
            fn g() {}
        };
        let block = text(&g.attrs);
        assert!(
            block.starts_with("Block\n") && block.ends_with("doc"),
            "{block:?}"
        );
    }
}
