//! Reading the `call` and `ctx` request bodies: shape checks with typed
//! errors, and the size limit, before anything else runs.

use serde_json::{Map, Value};
use tauri::ipc::InvokeBody;

use crate::error::{ArgProblem, CallError};

/// `{"fn": "...", "args": {...}}`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CallRequest<'a> {
    pub(crate) function: &'a str,
    pub(crate) args: Option<&'a Map<String, Value>>,
}

/// `{"context": "...", "params": {...}}`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CtxRequest<'a> {
    pub(crate) context: &'a str,
    pub(crate) params: Option<&'a Map<String, Value>>,
}

impl<'a> CallRequest<'a> {
    pub(crate) fn parse(body: &'a InvokeBody) -> Result<Self, CallError> {
        let (function, args) = parse_pair(body, "fn", "args")?;
        Ok(CallRequest { function, args })
    }
}

impl<'a> CtxRequest<'a> {
    pub(crate) fn parse(body: &'a InvokeBody) -> Result<Self, CallError> {
        let (context, params) = parse_pair(body, "context", "params")?;
        Ok(CtxRequest { context, params })
    }
}

/// Refuses a body over `limit` bytes (approximate JSON size, or raw length).
pub(crate) fn check_size(body: &InvokeBody, limit: usize) -> Result<(), CallError> {
    let size = match body {
        InvokeBody::Json(v) => json_size_over(v, limit),
        InvokeBody::Raw(bytes) => (bytes.len() > limit).then_some(bytes.len()),
    };
    match size {
        Some(size) => Err(CallError::PayloadTooLarge { size, limit }),
        None => Ok(()),
    }
}

/// The name a request body asks for (`fn` or `context`), if it has one.
pub(crate) fn peek_name<'a>(body: &'a InvokeBody, key: &str) -> Option<&'a str> {
    match body {
        InvokeBody::Json(v) => v.get(key)?.as_str(),
        InvokeBody::Raw(_) => None,
    }
}

/// A request's name field and its object field (absent when not sent).
type NamedMap<'a> = (&'a str, Option<&'a Map<String, Value>>);

/// A request object with one name field and one object field, nothing else.
fn parse_pair<'a>(
    body: &'a InvokeBody,
    name_key: &str,
    map_key: &str,
) -> Result<NamedMap<'a>, CallError> {
    let value = match body {
        InvokeBody::Json(v) => v,
        InvokeBody::Raw(_) => {
            return Err(problem("body", "invalid", "a JSON object", "got raw bytes"));
        }
    };
    let Value::Object(obj) = value else {
        return Err(problem("body", "invalid", "a JSON object", "not an object"));
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
        if key != name_key && key != map_key {
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

fn problem(name: &str, problem: &'static str, expected: &str, message: &str) -> CallError {
    CallError::InvalidArgs(vec![ArgProblem {
        name: name.to_owned(),
        problem,
        expected: Some(expected.to_owned()),
        message: Some(message.to_owned()),
    }])
}

/// The approximate encoded size of `value` if it is over `limit`; stops
/// walking as soon as the limit is passed. (Nesting is bounded by the JSON
/// parser's recursion limit.)
pub(crate) fn json_size_over(value: &Value, limit: usize) -> Option<usize> {
    fn walk(v: &Value, size: &mut usize, limit: usize) -> bool {
        *size += match v {
            Value::Null | Value::Bool(_) => 5,
            Value::Number(_) => 8,
            Value::String(s) => s.len() + 2,
            Value::Array(items) => 2 + items.len(),
            Value::Object(map) => 2 + map.keys().map(|k| k.len() + 4).sum::<usize>(),
        };
        if *size > limit {
            return false;
        }
        match v {
            Value::Array(items) => items.iter().all(|i| walk(i, size, limit)),
            Value::Object(map) => map.values().all(|i| walk(i, size, limit)),
            _ => true,
        }
    }
    let mut size = 0;
    (!walk(value, &mut size, limit)).then_some(size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: Value) -> InvokeBody {
        InvokeBody::Json(v)
    }

    #[test]
    fn reads_a_call() {
        let b = body(json!({"fn": "f", "args": {"a": 1}}));
        let r = CallRequest::parse(&b).unwrap();
        assert_eq!(r.function, "f");
        assert_eq!(r.args.unwrap()["a"], json!(1));
        assert_eq!(peek_name(&b, "fn"), Some("f"));
    }

    #[test]
    fn names_every_problem() {
        let err = CallRequest::parse(&body(json!({"fn": 1, "args": [], "x": 0}))).unwrap_err();
        let CallError::InvalidArgs(p) = err else {
            panic!()
        };
        let names: Vec<_> = p.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["fn", "args", "x"]);
    }

    #[test]
    fn size_limit() {
        let big = json!({"fn": "f", "args": {"s": "x".repeat(2000)}});
        assert!(matches!(
            check_size(&body(big), 1000),
            Err(CallError::PayloadTooLarge { .. })
        ));
        assert!(matches!(
            check_size(&InvokeBody::Raw(vec![0; 1001]), 1000),
            Err(CallError::PayloadTooLarge { size: 1001, .. })
        ));
        assert!(json_size_over(&json!([1, 2, 3]), 1000).is_none());
    }
}
