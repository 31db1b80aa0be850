//! Parsing of the attribute's own arguments:
//! `#[client]`, `#[client(context = USER)]`, `#[client(affects = [USER, TEAM(team_id = id)])]`,
//! `#[client(name = "other_name")]`, `#[client(context = USER, cache(ttl = "5m"))]`.

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
    pub(crate) cache: Option<CacheArg>,
}

/// `cache` or `cache(ttl = "5m", stale_if_error = "7d", timeout = "3s")`,
/// durations in milliseconds.
pub(crate) struct CacheArg {
    pub(crate) ttl_ms: u64,
    pub(crate) stale_if_error_ms: u64,
    pub(crate) timeout_ms: u64,
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
        let mut cache: Option<(Ident, CacheArg)> = None;

        while !input.is_empty() {
            let key: Ident = input.parse()?;
            if key == "cache" && !input.peek(Token![=]) {
                reject_duplicate(&key, cache.is_some())?;
                cache = Some((key, parse_cache(input)?));
                if input.is_empty() {
                    break;
                }
                input.parse::<Token![,]>()?;
                continue;
            }
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
                "cache" => {
                    return Err(syn::Error::new_spanned(
                        &key,
                        "write `cache`, or `cache(ttl = \"5m\", stale_if_error = \"7d\", timeout = \"3s\")`",
                    ))
                }
                "affects" => {
                    reject_duplicate(&key, affects.is_some())?;
                    affects = Some((key, parse_affects(input)?));
                }
                other => {
                    return Err(syn::Error::new_spanned(
                        &key,
                        format!(
                            "unknown key `{other}` in #[client]; expected `name`, `context`, `affects`, `auth` or `cache`"
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

        if let (Some((cache_key, _)), None) = (&cache, &context_key) {
            return Err(syn::Error::new_spanned(
                cache_key,
                "`cache` applies to context functions: add `context = ...`",
            ));
        }

        Ok(ClientArgs {
            name,
            auth,
            context,
            affects: affects.map(|(_, list)| list),
            cache: cache.map(|(_, c)| c),
        })
    }
}

/// The options after `cache`: none, or `(ttl = "5m", stale_if_error = "7d",
/// timeout = "3s")` in any order.
fn parse_cache(input: ParseStream<'_>) -> syn::Result<CacheArg> {
    // A bare `cache`: the defaults of `CachePolicy::DEFAULT`.
    let mut arg = CacheArg {
        ttl_ms: 5 * 60 * 1000,
        stale_if_error_ms: 0,
        timeout_ms: 0,
    };
    if !input.peek(syn::token::Paren) {
        return Ok(arg);
    }
    let content;
    parenthesized!(content in input);
    let options = Punctuated::<CacheOption, Token![,]>::parse_terminated(&content)?;
    let mut seen: Vec<String> = Vec::new();
    let mut timeout_key = None;
    for option in options {
        let name = option.key.to_string();
        if seen.contains(&name) {
            return Err(syn::Error::new_spanned(
                &option.key,
                format!("duplicate cache option `{name}`"),
            ));
        }
        let ms = duration_ms(&option.value)?;
        match name.as_str() {
            "ttl" => arg.ttl_ms = ms,
            "stale_if_error" => arg.stale_if_error_ms = ms,
            "timeout" => {
                if ms == 0 {
                    return Err(syn::Error::new_spanned(
                        &option.value,
                        "a timeout of zero would never let the function answer; leave `timeout` out for none",
                    ));
                }
                arg.timeout_ms = ms;
                timeout_key = Some(option.key.clone());
            }
            other => {
                return Err(syn::Error::new_spanned(
                    &option.key,
                    format!(
                    "unknown cache option `{other}`; expected `ttl`, `stale_if_error` or `timeout`"
                ),
                ))
            }
        }
        seen.push(name);
    }
    if let (Some(key), 0) = (timeout_key, arg.stale_if_error_ms) {
        return Err(syn::Error::new_spanned(
            key,
            "`timeout` lets the last entry stand in for a slow run, which needs `stale_if_error = \"...\"`",
        ));
    }
    Ok(arg)
}

/// `ttl = "5m"`.
struct CacheOption {
    key: Ident,
    value: LitStr,
}

impl Parse for CacheOption {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let key = input.parse()?;
        input.parse::<Token![=]>()?;
        let value = input.parse()?;
        Ok(CacheOption { key, value })
    }
}

/// A duration such as `"500ms"`, `"30s"`, `"5m"`, `"2h"`, `"7d"` or
/// `"1h30m"`, in milliseconds.
fn duration_ms(lit: &LitStr) -> syn::Result<u64> {
    let text = lit.value();
    let bad = || {
        syn::Error::new_spanned(
            lit,
            format!(
                "`{text}` is not a duration; write numbers with units (ms, s, m, h, d), such as \"500ms\", \"30s\", \"5m\", \"1h30m\" or \"7d\""
            ),
        )
    };
    let mut total: u64 = 0;
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        if digits == 0 {
            return Err(bad());
        }
        let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let factor: u64 = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total = n
            .checked_mul(factor)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
    }
    Ok(total)
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
