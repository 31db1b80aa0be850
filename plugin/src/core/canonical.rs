//! Canonical JSON: object keys sorted, no insignificant white space, numbers
//! as serde_json writes them. Every cache key and every target order uses it.

use serde_json::Value;

/// The canonical JSON text of a value.
///
/// ```
/// use tauri_plugin_mizan::wire::canonical_json;
/// let v = serde_json::json!({"b": [1, 2], "a": {"d": null, "c": "x"}});
/// assert_eq!(canonical_json(&v), r#"{"a":{"c":"x","d":null},"b":[1,2]}"#);
/// ```
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

fn write(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(v, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}
