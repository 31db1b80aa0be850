//! Reading the `call` and `ctx` request bodies: shape checks with typed
//! errors, before anything else runs.

use serde_json::{Map, Value};

use crate::core::error::{ArgProblem, CallError};

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

/// The key of a `call` body that lists the bundles to refresh (SPEC 6.8).
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
