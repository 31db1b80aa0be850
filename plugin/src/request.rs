//! Reading the `call` and `ctx` request bodies: shape checks with typed
//! errors, and the size limit, before anything else runs.

use serde_json::{Map, Value};
use tauri::ipc::InvokeBody;

use crate::error::{ArgProblem, CallError};

/// `{"fn": "...", "args": {...}}`.
#[derive(Debug)]
pub(crate) struct CallRequest {
    pub(crate) function: String,
    pub(crate) args: Map<String, Value>,
}

/// `{"context": "...", "params": {...}}`.
#[derive(Debug)]
pub(crate) struct CtxRequest {
    pub(crate) context: String,
    pub(crate) params: Map<String, Value>,
}

impl CallRequest {
    pub(crate) fn parse(body: &InvokeBody, limit: usize) -> Result<Self, CallError> {
        let (function, args) = parse_pair(body, limit, "fn", "args")?;
        Ok(CallRequest { function, args })
    }
}

impl CtxRequest {
    pub(crate) fn parse(body: &InvokeBody, limit: usize) -> Result<Self, CallError> {
        let (context, params) = parse_pair(body, limit, "context", "params")?;
        Ok(CtxRequest { context, params })
    }
}

/// A request object with one name field and one object field, nothing else.
fn parse_pair(
    body: &InvokeBody,
    limit: usize,
    name_key: &str,
    map_key: &str,
) -> Result<(String, Map<String, Value>), CallError> {
    let value = match body {
        InvokeBody::Json(v) => v,
        InvokeBody::Raw(bytes) => {
            if bytes.len() > limit {
                return Err(CallError::PayloadTooLarge {
                    size: bytes.len(),
                    limit,
                });
            }
            return Err(problem("body", "invalid", "a JSON object", "got raw bytes"));
        }
    };
    if let Some(size) = json_size_over(value, limit) {
        return Err(CallError::PayloadTooLarge { size, limit });
    }
    let Value::Object(obj) = value else {
        return Err(problem("body", "invalid", "a JSON object", "not an object"));
    };
    let mut problems = Vec::new();
    let name = match obj.get(name_key) {
        Some(Value::String(s)) => Some(s.clone()),
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
        Some(Value::Object(m)) => m.clone(),
        None | Some(Value::Null) => Map::new(),
        Some(_) => {
            problems.push(arg(map_key, "invalid", "object"));
            Map::new()
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
        let r = CallRequest::parse(&body(json!({"fn": "f", "args": {"a": 1}})), 1 << 20).unwrap();
        assert_eq!(r.function, "f");
        assert_eq!(r.args["a"], json!(1));
    }

    #[test]
    fn names_every_problem() {
        let err =
            CallRequest::parse(&body(json!({"fn": 1, "args": [], "x": 0})), 1 << 20).unwrap_err();
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
            CallRequest::parse(&body(big), 1000),
            Err(CallError::PayloadTooLarge { .. })
        ));
        assert!(json_size_over(&json!([1, 2, 3]), 1000).is_none());
    }
}
