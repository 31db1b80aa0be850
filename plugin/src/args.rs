//! The wire arguments of one call, taken param by param into their declared
//! types, with every problem collected before the function runs.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{ArgProblem, CallError};

/// The JSON object of wire arguments a webview sent.
#[derive(Debug)]
pub struct Args {
    rest: Map<String, Value>,
    problems: Vec<ArgProblem>,
}

impl Args {
    pub(crate) fn new(args: Map<String, Value>) -> Self {
        Args {
            rest: args,
            problems: Vec::new(),
        }
    }

    /// Takes param `name` as a `T`. A missing param is read as `null`, so
    /// `Option` params may be left out. Problems are recorded and reported
    /// by [`Args::finish`].
    pub fn take<T: DeserializeOwned>(&mut self, name: &str) -> Option<T> {
        let (value, missing) = match self.rest.remove(name) {
            Some(v) => (v, false),
            None => (Value::Null, true),
        };
        match serde_json::from_value::<T>(value) {
            Ok(v) => Some(v),
            Err(e) => {
                self.problems.push(ArgProblem {
                    name: name.to_owned(),
                    problem: if missing { "missing" } else { "invalid" },
                    expected: Some(short_type_name(std::any::type_name::<T>())),
                    message: (!missing).then(|| e.to_string()),
                });
                None
            }
        }
    }

    /// Fails with `invalid_args` if any param was missing or invalid, or if
    /// params were sent that the function does not take.
    pub fn finish(&mut self) -> Result<(), CallError> {
        let mut problems = std::mem::take(&mut self.problems);
        let mut unknown: Vec<&String> = self.rest.keys().collect();
        unknown.sort();
        problems.extend(unknown.into_iter().map(|name| ArgProblem {
            name: name.clone(),
            problem: "unknown",
            expected: None,
            message: None,
        }));
        if problems.is_empty() {
            Ok(())
        } else {
            problems.sort_by(|a, b| a.name.cmp(&b.name));
            Err(CallError::InvalidArgs(problems))
        }
    }
}

/// `alloc::vec::Vec<alloc::string::String>` -> `Vec<String>`.
pub(crate) fn short_type_name(full: &str) -> String {
    let mut out = String::with_capacity(full.len());
    let mut segment = String::new();
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            segment.push(c);
        } else {
            out.push_str(segment.rsplit("::").next().unwrap_or(""));
            segment.clear();
            out.push(c);
        }
    }
    out.push_str(segment.rsplit("::").next().unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names() {
        assert_eq!(
            short_type_name("alloc::vec::Vec<alloc::string::String>"),
            "Vec<String>"
        );
        assert_eq!(short_type_name("core::option::Option<u32>"), "Option<u32>");
        assert_eq!(short_type_name("(i32, my::T)"), "(i32, T)");
    }

    #[test]
    fn collects_every_problem() {
        let map = serde_json::json!({"a": "x", "zzz": 1})
            .as_object()
            .cloned()
            .unwrap();
        let mut args = Args::new(map);
        assert_eq!(args.take::<u32>("a"), None);
        assert_eq!(args.take::<u32>("b"), None);
        assert_eq!(args.take::<Option<u32>>("c"), Some(None));
        let Err(CallError::InvalidArgs(p)) = args.finish() else {
            panic!("expected invalid args")
        };
        let names: Vec<_> = p.iter().map(|p| (p.name.as_str(), p.problem)).collect();
        assert_eq!(
            names,
            [("a", "invalid"), ("b", "missing"), ("zzz", "unknown")]
        );
    }
}
