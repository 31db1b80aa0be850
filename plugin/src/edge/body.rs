//! The IPC request body as Tauri hands it over: its size against the limit,
//! the name it asks for, and its JSON for the dispatcher.

use serde_json::Value;
use tauri::ipc::InvokeBody;

use crate::{core::error::CallError, dispatch::request::not_an_object};

/// The body's JSON; a raw body is `invalid_args`.
pub(crate) fn json(body: &InvokeBody) -> Result<&Value, CallError> {
    match body {
        InvokeBody::Json(v) => Ok(v),
        InvokeBody::Raw(_) => Err(not_an_object("got raw bytes")),
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

    #[test]
    fn size_limit() {
        let big = json!({"fn": "f", "args": {"s": "x".repeat(2000)}});
        assert!(matches!(
            check_size(&InvokeBody::Json(big), 1000),
            Err(CallError::PayloadTooLarge { .. })
        ));
        assert!(matches!(
            check_size(&InvokeBody::Raw(vec![0; 1001]), 1000),
            Err(CallError::PayloadTooLarge { size: 1001, .. })
        ));
        assert!(json_size_over(&json!([1, 2, 3]), 1000).is_none());
    }

    #[test]
    fn peeks_the_name() {
        let b = InvokeBody::Json(json!({"fn": "f"}));
        assert_eq!(peek_name(&b, "fn"), Some("f"));
    }
}
