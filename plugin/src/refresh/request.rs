//! Reading a `call`'s `refresh` list: `[{"context": "...", "params": {...}}, ...]`,
//! at most `max` entries. Checked before the call runs: anything else is
//! `invalid_args` naming the offending entry, and nothing runs.

use serde_json::{Map, Value};

use crate::core::error::{ArgProblem, CallError};

/// One bundle the caller holds and would like back fresh.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RefreshKey {
    pub(crate) context: String,
    pub(crate) params: Map<String, Value>,
}

/// Reads the list; `max` bounds its length.
pub(crate) fn parse(list: &Value, max: usize) -> Result<Vec<RefreshKey>, CallError> {
    let Value::Array(items) = list else {
        return Err(problem(
            "refresh",
            "invalid",
            "an array of {context, params}",
        ));
    };
    if items.len() > max {
        return Err(CallError::InvalidArgs(vec![ArgProblem {
            name: "refresh".to_owned(),
            problem: "invalid",
            expected: Some(format!("at most {max} entries")),
            message: Some(format!("{} entries were sent", items.len())),
        }]));
    }
    let mut problems = Vec::new();
    let mut keys = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match entry(item) {
            Some(key) => keys.push(key),
            None => problems.push(ArgProblem {
                name: format!("refresh[{i}]"),
                problem: "invalid",
                expected: Some("{context: string, params?: object}".to_owned()),
                message: None,
            }),
        }
    }
    if problems.is_empty() {
        Ok(keys)
    } else {
        Err(CallError::InvalidArgs(problems))
    }
}

/// `{"context": string, "params"?: object | null}` and no other key.
fn entry(item: &Value) -> Option<RefreshKey> {
    let obj = item.as_object()?;
    if obj.keys().any(|k| k != "context" && k != "params") {
        return None;
    }
    let context = obj.get("context")?.as_str()?.to_owned();
    let params = match obj.get("params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return None,
    };
    Some(RefreshKey { context, params })
}

fn problem(name: &str, problem: &'static str, expected: &str) -> CallError {
    CallError::InvalidArgs(vec![ArgProblem {
        name: name.to_owned(),
        problem,
        expected: Some(expected.to_owned()),
        message: None,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_entries() {
        let keys = parse(
            &json!([{"context": "user", "params": {"id": 1}}, {"context": "all"}]),
            4,
        )
        .unwrap();
        assert_eq!(keys[0].context, "user");
        assert_eq!(keys[0].params["id"], json!(1));
        assert!(keys[1].params.is_empty());
    }

    #[test]
    fn refuses_what_is_not_a_list_of_keys() {
        for bad in [
            json!({}),
            json!([1]),
            json!([{"context": 1}]),
            json!([{"context": "c", "params": []}]),
            json!([{"context": "c", "extra": 1}]),
        ] {
            assert!(
                matches!(parse(&bad, 4), Err(CallError::InvalidArgs(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn bounds_the_list() {
        let five = json!([{"context": "c"}, {"context": "c"}, {"context": "c"}, {"context": "c"}, {"context": "c"}]);
        let Err(CallError::InvalidArgs(p)) = parse(&five, 4) else {
            panic!()
        };
        assert_eq!(p[0].expected.as_deref(), Some("at most 4 entries"));
    }
}
