//! Reading the `call` and `ctx` request bodies: shape checks with typed
//! errors, before anything else runs; and the depth check every body
//! passes first, with the disposal of one too deep to drop on any stack.

use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{Map, Value};

use crate::core::{
    args::{deeper_than, depth, too_deep, MAX_DEPTH, TOO_DEEP},
    error::{ArgProblem, CallError},
};

/// `{"fn": "...", "args": {...}}`, and, where single-flight refresh is on,
/// `"refresh": [...]` (read by [`crate::refresh`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct CallRequest<'a> {
    pub(crate) function: &'a str,
    pub(crate) args: Option<&'a Map<String, Value>>,
    /// The `refresh` list as sent, not yet read; `None` when absent.
    pub(crate) refresh: Option<&'a Value>,
}

/// `{"context": "...", "params": {...}}`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CtxRequest<'a> {
    pub(crate) context: &'a str,
    pub(crate) params: Option<&'a Map<String, Value>>,
}

impl<'a> CallRequest<'a> {
    /// A `call` body; `refresh` is accepted only when `single_flight` is on
    /// (otherwise it is an unknown key, as for a plugin without it).
    pub(crate) fn parse(body: &'a Value, single_flight: bool) -> Result<Self, CallError> {
        let extra: &[&str] = if single_flight { &[REFRESH_KEY] } else { &[] };
        let (function, args) = parse_pair(body, "fn", "args", extra)?;
        let refresh = body
            .get(REFRESH_KEY)
            .filter(|v| single_flight && !v.is_null());
        Ok(CallRequest {
            function,
            args,
            refresh,
        })
    }
}

impl<'a> CtxRequest<'a> {
    pub(crate) fn parse(body: &'a Value) -> Result<Self, CallError> {
        let (context, params) = parse_pair(body, "context", "params", &[])?;
        Ok(CtxRequest { context, params })
    }
}

/// A request's name field and its object field (absent when not sent).
type NamedMap<'a> = (&'a str, Option<&'a Map<String, Value>>);

/// The key of a `call` body that lists the bundles to refresh (docs/protocol.md: "Single-flight refresh").
pub(crate) const REFRESH_KEY: &str = "refresh";

/// A request object with one name field and one object field, and no keys
/// but those and `extra` (which the caller reads itself).
fn parse_pair<'a>(
    body: &'a Value,
    name_key: &str,
    map_key: &str,
    extra: &[&str],
) -> Result<NamedMap<'a>, CallError> {
    let Value::Object(obj) = body else {
        return Err(not_an_object("not an object"));
    };
    let mut problems = Vec::new();
    let name = match obj.get(name_key) {
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => {
            problems.push(arg(name_key, "invalid", "string"));
            None
        }
        None => {
            problems.push(arg(name_key, "missing", "string"));
            None
        }
    };
    let map = match obj.get(map_key) {
        Some(Value::Object(m)) => Some(m),
        None | Some(Value::Null) => None,
        Some(_) => {
            problems.push(arg(map_key, "invalid", "object"));
            None
        }
    };
    for key in obj.keys() {
        if key != name_key && key != map_key && !extra.contains(&key.as_str()) {
            problems.push(ArgProblem {
                name: key.clone(),
                problem: "unknown",
                expected: None,
                message: None,
            });
        }
    }
    match name {
        Some(name) if problems.is_empty() => Ok((name, map)),
        _ => Err(CallError::InvalidArgs(problems)),
    }
}

fn arg(name: &str, problem: &'static str, expected: &str) -> ArgProblem {
    ArgProblem {
        name: name.to_owned(),
        problem,
        expected: Some(expected.to_owned()),
        message: None,
    }
}

/// `invalid_args` for a body that is not a JSON object; `message` says
/// what it is instead.
pub(crate) fn not_an_object(message: &str) -> CallError {
    CallError::InvalidArgs(vec![ArgProblem {
        name: "body".to_owned(),
        problem: "invalid",
        expected: Some("a JSON object".to_owned()),
        message: Some(message.to_owned()),
    }])
}

/// A request body that nests a value deeper than the args allow
/// ([`MAX_DEPTH`] levels for a param). Only Rust code can build one
/// (Tauri's parser stops at 128 levels for a whole body), but nothing a
/// caller sends may abort the process, and dropping a value recurses once
/// per level: such a body is refused where it arrived, before any command
/// reads it or moves it to another thread, and [`dispose`]d of.
#[derive(Debug)]
pub(crate) struct TooDeep {
    /// `invalid_args`, naming each param (or key of the body) too deep.
    pub(crate) error: CallError,
    /// How deep the body nests.
    pub(crate) depth: usize,
}

/// Whether `body` nests deeper than its params may: the params of an
/// object in it (`args`, `params`) nested deeper than [`MAX_DEPTH`], or
/// another key's value one level deeper.
pub(crate) fn too_deep_body(body: &Value) -> Option<TooDeep> {
    if !deeper_than(body, MAX_DEPTH + 2) {
        return None;
    }
    let mut names = Vec::new();
    match body {
        Value::Object(keys) => {
            for (key, value) in keys {
                match value {
                    Value::Object(params) => names.extend(
                        params
                            .iter()
                            .filter(|(_, v)| too_deep(v))
                            .map(|(name, _)| name.clone()),
                    ),
                    v if deeper_than(v, MAX_DEPTH + 1) => names.push(key.clone()),
                    _ => {}
                }
            }
        }
        _ => names.push("body".to_owned()),
    }
    names.sort();
    let problems = names
        .into_iter()
        .map(|name| ArgProblem {
            name,
            problem: "invalid",
            expected: None,
            message: Some(TOO_DEEP.to_owned()),
        })
        .collect();
    Some(TooDeep {
        error: CallError::InvalidArgs(problems),
        depth: depth(body),
    })
}

/// Stack that dropping one level of a value may take, with room to spare
/// (measured: up to about 1 KiB for an object in a debug build).
const DROP_STACK_PER_LEVEL: usize = 2 * 1024;

/// The deepest value [`dispose`] drops, on a thread whose stack is sized
/// for it (128 MiB at most, reserved, touched only as deep as it goes).
pub(crate) const MAX_DROPPED_DEPTH: usize = 1 << 16;

/// Drops `owner`, which holds a value nested `depth` levels deep, where
/// its depth cannot overflow a stack: on a thread of its own, with a stack
/// sized for it. Deeper than [`MAX_DROPPED_DEPTH`], or with no thread to
/// be had, it is never dropped (leaked, with a warning): its memory is
/// bounded by the request size limit, and the process keeps running.
pub(crate) fn dispose<T: Send + 'static>(owner: T, depth: usize) {
    let leak = |owner: T, why: &str| {
        log::warn!("mizan: a request nested {depth} levels deep is kept, not dropped: {why}");
        std::mem::forget(owner);
    };
    if depth > MAX_DROPPED_DEPTH {
        return leak(owner, "deeper than any thread's stack would drop");
    }
    // Shared, so that a thread that cannot start gives it back.
    let slot = Arc::new(Mutex::new(Some(owner)));
    let taken = slot.clone();
    let spawned = std::thread::Builder::new()
        .name("mizan-drop-deep".to_owned())
        .stack_size(depth * DROP_STACK_PER_LEVEL + 1024 * 1024)
        .spawn(move || drop(taken.lock().unwrap_or_else(PoisonError::into_inner).take()));
    if let Err(e) = spawned {
        if let Some(owner) = slot.lock().unwrap_or_else(PoisonError::into_inner).take() {
            leak(owner, &format!("no thread to drop it on ({e})"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_a_call() {
        let b = json!({"fn": "f", "args": {"a": 1}});
        let r = CallRequest::parse(&b, true).unwrap();
        assert_eq!(r.function, "f");
        assert_eq!(r.args.unwrap()["a"], json!(1));
    }

    #[test]
    fn names_every_problem() {
        let err = CallRequest::parse(&json!({"fn": 1, "args": [], "x": 0}), true).unwrap_err();
        let CallError::InvalidArgs(p) = err else {
            panic!()
        };
        let names: Vec<_> = p.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["fn", "args", "x"]);
    }

    #[test]
    fn a_body_too_deep_names_its_params() {
        let nested = |levels: usize| (0..levels).fold(json!(0), |v, _| Value::Array(vec![v]));
        let body = |v: Value| {
            let args: Map<String, Value> = [("deep".to_owned(), v), ("ok".to_owned(), json!(1))]
                .into_iter()
                .collect();
            Value::Object(
                [
                    ("fn".to_owned(), json!("f")),
                    ("args".to_owned(), Value::Object(args)),
                ]
                .into_iter()
                .collect(),
            )
        };
        assert!(too_deep_body(&body(nested(MAX_DEPTH))).is_none());
        let refused = too_deep_body(&body(nested(MAX_DEPTH + 1))).unwrap();
        assert_eq!(refused.depth, MAX_DEPTH + 3);
        let CallError::InvalidArgs(p) = refused.error else {
            panic!()
        };
        assert_eq!(p.len(), 1);
        assert_eq!(
            (p[0].name.as_str(), p[0].message.as_deref()),
            ("deep", Some(TOO_DEEP))
        );
        let bare = too_deep_body(&nested(MAX_DEPTH + 3)).unwrap();
        let CallError::InvalidArgs(p) = bare.error else {
            panic!()
        };
        assert_eq!(p[0].name, "body");
    }

    #[test]
    fn refresh_is_a_key_only_with_single_flight() {
        let b = json!({"fn": "f", "refresh": []});
        assert_eq!(
            CallRequest::parse(&b, true).unwrap().refresh,
            Some(&json!([]))
        );
        let CallError::InvalidArgs(p) = CallRequest::parse(&b, false).unwrap_err() else {
            panic!()
        };
        assert_eq!(p[0].name, "refresh");
        assert_eq!(p[0].problem, "unknown");
    }
}
