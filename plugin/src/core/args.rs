//! The wire arguments of one call, taken param by param into their declared
//! types, with every problem collected before the function runs.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::core::error::{ArgProblem, CallError};

/// The JSON object of wire arguments a webview sent, borrowed from the
/// request.
#[derive(Debug)]
pub struct Args<'a> {
    given: Option<&'a Map<String, Value>>,
    /// How many of the given params were taken.
    found: usize,
    /// Whether params the function does not take are an error (not in a
    /// bundle, where the context's params are checked as a whole).
    strict: bool,
    problems: Vec<ArgProblem>,
}

impl<'a> Args<'a> {
    /// The args of one call: params the function does not take are errors.
    pub(crate) fn new(given: Option<&'a Map<String, Value>>) -> Self {
        Args {
            given,
            found: 0,
            strict: true,
            problems: Vec::new(),
        }
    }

    /// A bundle's canonical params, shared by its functions: each takes its
    /// own and ignores the others'.
    pub(crate) fn shared(given: &'a Map<String, Value>) -> Self {
        Args {
            strict: false,
            ..Args::new(Some(given))
        }
    }

    /// Takes param `name` as a `T`. A missing param is read as `null`, so
    /// `Option` params may be left out. Problems are recorded and reported
    /// by [`Args::finish`].
    pub fn take<T: DeserializeOwned>(&mut self, name: &str) -> Option<T> {
        let given = self.given.and_then(|m| m.get(name));
        self.found += usize::from(given.is_some());
        match T::deserialize(given.unwrap_or(&Value::Null)) {
            Ok(v) => Some(v),
            Err(e) => {
                self.problems.push(ArgProblem {
                    name: name.to_owned(),
                    problem: if given.is_some() {
                        "invalid"
                    } else {
                        "missing"
                    },
                    expected: Some(short_type_name(std::any::type_name::<T>())),
                    message: given.is_some().then(|| e.to_string()),
                });
                None
            }
        }
    }

    /// Fails with `invalid_args` if any param was missing or invalid, or if
    /// params were sent that the function, whose params are `names`, does
    /// not take.
    pub fn finish(&mut self, names: &[&str]) -> Result<(), CallError> {
        let mut problems = std::mem::take(&mut self.problems);
        let given = self.given.map_or(0, Map::len);
        if self.strict && given > self.found {
            let unknown = self.given.into_iter().flat_map(Map::keys);
            problems.extend(
                unknown
                    .filter(|k| !names.contains(&k.as_str()))
                    .map(|name| ArgProblem {
                        name: name.clone(),
                        problem: "unknown",
                        expected: None,
                        message: None,
                    }),
            );
        }
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
        let mut args = Args::new(Some(&map));
        assert_eq!(args.take::<u32>("a"), None);
        assert_eq!(args.take::<u32>("b"), None);
        assert_eq!(args.take::<Option<u32>>("c"), Some(None));
        let Err(CallError::InvalidArgs(p)) = args.finish(&["a", "b", "c"]) else {
            panic!("expected invalid args")
        };
        let names: Vec<_> = p.iter().map(|p| (p.name.as_str(), p.problem)).collect();
        assert_eq!(
            names,
            [("a", "invalid"), ("b", "missing"), ("zzz", "unknown")]
        );
    }

    #[test]
    fn shared_args_ignore_other_functions_params() {
        let map = serde_json::json!({"a": 1, "other": 2})
            .as_object()
            .cloned()
            .unwrap();
        let mut args = Args::shared(&map);
        assert_eq!(args.take::<u32>("a"), Some(1));
        assert!(args.finish(&["a"]).is_ok());
        let mut strict = Args::new(Some(&map));
        assert_eq!(strict.take::<u32>("a"), Some(1));
        assert!(strict.finish(&["a"]).is_err());
    }
}
