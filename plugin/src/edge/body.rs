//! The IPC request body as Tauri hands it over: its size against the limit,
//! the name it asks for, and its JSON for the dispatcher.

use std::fmt::Write;

use serde_json::Value;
use tauri::ipc::InvokeBody;

use crate::{
    core::{args::Stack, error::CallError},
    dispatch::request::not_an_object,
};

/// The body's JSON; a raw body is `invalid_args`.
pub(crate) fn json(body: &InvokeBody) -> Result<&Value, CallError> {
    match body {
        InvokeBody::Json(v) => Ok(v),
        InvokeBody::Raw(_) => Err(not_an_object("got raw bytes")),
    }
}

/// Refuses a body over `limit` bytes: its exact JSON size (the raw length
/// of a raw body).
pub(crate) fn check_size(body: &InvokeBody, limit: usize) -> Result<(), CallError> {
    let size = match body {
        InvokeBody::Json(v) => json_size(v),
        InvokeBody::Raw(bytes) => bytes.len(),
    };
    if size > limit {
        return Err(CallError::PayloadTooLarge { size, limit });
    }
    Ok(())
}

/// The name a request body asks for (`fn` or `context`), if it has one.
pub(crate) fn peek_name<'a>(body: &'a InvokeBody, key: &str) -> Option<&'a str> {
    match body {
        InvokeBody::Json(v) => v.get(key)?.as_str(),
        InvokeBody::Raw(_) => None,
    }
}

/// The size of `value` written as compact JSON, byte for byte what
/// serde_json writes (and what the webview's `JSON.stringify` sent, which
/// escapes the same characters). Walks without recursion, so a value of any
/// depth is measured on any stack.
pub(crate) fn json_size(value: &Value) -> usize {
    let mut stack = Stack::<&Value, 8>::new();
    let mut size = item_size(value, &mut stack);
    while let Some(v) = stack.pop() {
        size += match v {
            Value::Array(items) => {
                let inner: usize = items.iter().map(|v| item_size(v, &mut stack)).sum();
                inner + 2 + items.len().saturating_sub(1)
            }
            Value::Object(map) => {
                let inner: usize = map
                    .iter()
                    .map(|(k, v)| string_size(k) + 1 + item_size(v, &mut stack))
                    .sum();
                inner + 2 + map.len().saturating_sub(1)
            }
            _ => 0,
        };
    }
    size
}

/// A scalar's size; an array or object goes on `stack`, to be measured
/// when it comes off.
fn item_size<'a>(value: &'a Value, stack: &mut Stack<&'a Value, 8>) -> usize {
    match value {
        Value::Null | Value::Bool(true) => 4,
        Value::Bool(false) => 5,
        Value::Number(n) => number_size(n),
        Value::String(s) => string_size(s),
        Value::Array(_) | Value::Object(_) => {
            stack.push(value);
            0
        }
    }
}

/// A number's size as serde_json writes it: integers counted digit by
/// digit, floats written out.
fn number_size(n: &serde_json::Number) -> usize {
    let digits = |u: u64| u.checked_ilog10().unwrap_or(0) as usize + 1;
    if let Some(u) = n.as_u64() {
        return digits(u);
    }
    if let Some(i) = n.as_i64() {
        return 1 + digits(i.unsigned_abs());
    }
    let mut counter = Counter(0);
    // Infallible: the counter never fails.
    let _ = write!(counter, "{n}");
    counter.0
}

/// A JSON string's size with its quotes and escapes: `"` and `\` take two
/// bytes, control characters two (`\n`) or six (`\u0001`).
fn string_size(s: &str) -> usize {
    2 + s
        .bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\x08' | b'\x0c' | b'\n' | b'\r' | b'\t' => 2,
            0..=0x1f => 6,
            _ => 1,
        })
        .sum::<usize>()
}

/// Counts what is written to it.
struct Counter(usize);

impl std::fmt::Write for Counter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0 += s.len();
        Ok(())
    }
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
    }

    #[test]
    fn sizes_are_what_serde_json_writes() {
        for v in [
            json!(null),
            json!([]),
            json!({}),
            json!([
                0,
                1,
                -2,
                9,
                10,
                -10,
                99,
                100,
                3.25,
                1e300,
                -0.0,
                u64::MAX,
                i64::MIN,
                true,
                false,
                null
            ]),
            json!({"a\u{0}\u{1f}\"\\\n\r\t\u{8}\u{c}\u{7f}é😀/": {"": [[], {}]}}),
        ] {
            assert_eq!(json_size(&v), serde_json::to_vec(&v).unwrap().len(), "{v}");
        }
    }

    #[test]
    fn peeks_the_name() {
        let b = InvokeBody::Json(json!({"fn": "f"}));
        assert_eq!(peek_name(&b, "fn"), Some("f"));
    }
}
