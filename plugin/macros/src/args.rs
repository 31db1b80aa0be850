//! Parsing of the attribute's own arguments:
//! `#[client]`, `#[client(context = USER)]`, `#[client(affects = [USER, TEAM(team_id = id)])]`,
//! `#[client(name = "other_name")]`.

use syn::{
    bracketed, parenthesized,
    parse::{Parse, ParseStream},
    punctuated::Punctuated,
    Ident, LitStr, Path, Token,
};

/// What the attribute says, once parsed and checked.
pub(crate) struct ClientArgs {
    pub(crate) name: Option<LitStr>,
    pub(crate) auth: Option<AuthArg>,
    pub(crate) context: Option<Path>,
    pub(crate) affects: Option<Vec<Affect>>,
}

/// `auth` (any identity) or `auth = "role"`.
pub(crate) enum AuthArg {
    Identity,
    Role(LitStr),
}

/// One affected context with its declared parameter mapping.
pub(crate) struct Affect {
    pub(crate) context: Path,
    /// `(context param, mutation param)` pairs.
    pub(crate) map: Vec<(Ident, Ident)>,
}

impl Parse for ClientArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut name: Option<LitStr> = None;
        let mut context: Option<Path> = None;
        let mut affects: Option<(Ident, Vec<Affect>)> = None;
        let mut context_key: Option<Ident> = None;
        let mut auth: Option<AuthArg> = None;

        while !input.is_empty() {
            let key: Ident = input.parse()?;
            if key == "auth" && (input.is_empty() || input.peek(Token![,])) {
                reject_duplicate(&key, auth.is_some())?;
                auth = Some(AuthArg::Identity);
                if input.is_empty() {
                    break;
                }
                input.parse::<Token![,]>()?;
                continue;
            }
            input.parse::<Token![=]>()?;
            match key.to_string().as_str() {
                "auth" => {
                    reject_duplicate(&key, auth.is_some())?;
                    let role: LitStr = input.parse()?;
                    if role.value().is_empty() {
                        return Err(syn::Error::new_spanned(&role, "a role name cannot be empty"));
                    }
                    auth = Some(AuthArg::Role(role));
                }
                "name" => {
                    reject_duplicate(&key, name.is_some())?;
                    let lit: LitStr = input.parse()?;
                    check_name(&lit)?;
                    name = Some(lit);
                }
                "context" => {
                    reject_duplicate(&key, context.is_some())?;
                    context = Some(input.parse()?);
                    context_key = Some(key);
                }
                "affects" => {
                    reject_duplicate(&key, affects.is_some())?;
                    affects = Some((key, parse_affects(input)?));
                }
                other => {
                    return Err(syn::Error::new_spanned(
                        &key,
                        format!(
                            "unknown key `{other}` in #[client]; expected `name`, `context`, `affects` or `auth`"
                        ),
                    ))
                }
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }

        if let (Some(_), Some((affects_key, _))) = (&context_key, &affects) {
            return Err(syn::Error::new_spanned(
                affects_key,
                "a #[client] function is either a context function (`context = ...`) or a mutation (`affects = ...`), not both",
            ));
        }

        Ok(ClientArgs {
            name,
            auth,
            context,
            affects: affects.map(|(_, list)| list),
        })
    }
}

fn reject_duplicate(key: &Ident, seen: bool) -> syn::Result<()> {
    if seen {
        Err(syn::Error::new_spanned(
            key,
            format!("duplicate key `{key}` in #[client]"),
        ))
    } else {
        Ok(())
    }
}

/// A name is what a Rust function could be called: an identifier
/// (letters beyond ASCII included, as Rust allows them).
fn check_name(lit: &LitStr) -> syn::Result<()> {
    let value = lit.value();
    let mut chars = value.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c == '_' || unicode_ident::is_xid_start(c))
        && chars.all(unicode_ident::is_xid_continue)
        && value != "_";
    if valid {
        Ok(())
    } else {
        Err(syn::Error::new_spanned(
            lit,
            "a #[client] name is an identifier, as a Rust function's name is (letters, digits and `_`, not starting with a digit)",
        ))
    }
}

/// `USER`, `USER(user_id = id)`, or a bracketed list of those.
fn parse_affects(input: ParseStream<'_>) -> syn::Result<Vec<Affect>> {
    let list: Vec<Affect> = if input.peek(syn::token::Bracket) {
        let content;
        let brackets = bracketed!(content in input);
        let items = Punctuated::<Affect, Token![,]>::parse_terminated(&content)?;
        if items.is_empty() {
            return Err(syn::Error::new(
                brackets.span.join(),
                "`affects` needs at least one context",
            ));
        }
        items.into_iter().collect()
    } else {
        vec![input.parse()?]
    };
    for (i, a) in list.iter().enumerate() {
        if list[..i].iter().any(|b| b.context == a.context) {
            return Err(syn::Error::new_spanned(
                &a.context,
                "this context is named twice in `affects`",
            ));
        }
    }
    Ok(list)
}

impl Parse for Affect {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let context: Path = input.parse()?;
        let mut map = Vec::new();
        if input.peek(syn::token::Paren) {
            let content;
            parenthesized!(content in input);
            let pairs = Punctuated::<MapPair, Token![,]>::parse_terminated(&content)?;
            for pair in pairs {
                if map
                    .iter()
                    .any(|(k, _): &(Ident, Ident)| *k == pair.context_param)
                {
                    return Err(syn::Error::new_spanned(
                        &pair.context_param,
                        "this context param is mapped twice",
                    ));
                }
                map.push((pair.context_param, pair.fn_param));
            }
        }
        Ok(Affect { context, map })
    }
}

struct MapPair {
    context_param: Ident,
    fn_param: Ident,
}

impl Parse for MapPair {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let context_param = input.parse()?;
        input.parse::<Token![=]>()?;
        let fn_param = input.parse()?;
        Ok(MapPair {
            context_param,
            fn_param,
        })
    }
}
