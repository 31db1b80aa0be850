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
    /// What a capability sets up around each param's deserialization (an
    /// upload's files, which `Upload` params take: docs/protocol.md: "Uploads and binary results").
    source: Option<Box<dyn ParamSource>>,
}

/// What the params of one call may read besides their JSON, set up around
/// each param's deserialization: a capability whose param types need more
/// than the JSON (an upload's files) implements it, and the core knows
/// nothing of them.
pub(crate) trait ParamSource: Send + std::fmt::Debug {
    /// Runs `read` (one param's deserialization) with this source
    /// reachable, and leaves the source as `read` left it.
    fn around(&mut self, read: &mut dyn FnMut());
}

impl<'a> Args<'a> {
    /// The args of one call: params the function does not take are errors.
    pub(crate) fn new(given: Option<&'a Map<String, Value>>) -> Self {
        Args {
            given,
            found: 0,
            strict: true,
            problems: Vec::new(),
            source: None,
        }
    }

    /// The same args, each param read with `source` set up around it.
    pub(crate) fn with_source(mut self, source: Option<Box<dyn ParamSource>>) -> Self {
        self.source = source;
        self
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
        if given.is_some_and(too_deep) {
            self.problems.push(ArgProblem {
                name: name.to_owned(),
                problem: "invalid",
                expected: Some(short_type_name(std::any::type_name::<T>())),
                message: Some(TOO_DEEP.to_owned()),
            });
            return None;
        }
        let read = || T::deserialize(given.unwrap_or(&Value::Null));
        let read = match &mut self.source {
            None => read(),
            Some(source) => {
                let mut out = None;
                source.around(&mut || out = Some(read()));
                out.unwrap_or_else(|| Err(serde::de::Error::custom("the param was not read")))
            }
        };
        match read {
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

/// How deeply a wire param may nest arrays and objects. A webview cannot
/// send more: Tauri parses IPC bodies with serde_json, which stops at 128
/// levels for the whole request. The bound keeps values built by other
/// means (the Rust API, tests) from overflowing a thread's stack where args
/// are read, on the async runtime's smaller stacks too.
pub(crate) const MAX_DEPTH: usize = 128;

/// What an arg nested deeper than [`MAX_DEPTH`] is told.
pub(crate) const TOO_DEEP: &str = "nested deeper than 128 levels";

/// Whether `value` nests arrays and objects deeper than [`MAX_DEPTH`];
/// walked without recursion.
pub(crate) fn too_deep(value: &Value) -> bool {
    deeper_than(value, MAX_DEPTH)
}

/// Whether `value` nests arrays and objects deeper than `limit` levels;
/// walked without recursion, and no further than `limit`.
pub(crate) fn deeper_than(value: &Value, limit: usize) -> bool {
    let mut stack = Stack::<(&Value, usize), 8>::new();
    stack.push((value, 0));
    while let Some((v, depth)) = stack.pop() {
        let children: &mut dyn Iterator<Item = &Value> = match v {
            Value::Array(items) => &mut items.iter(),
            Value::Object(map) => &mut map.values(),
            _ => continue,
        };
        if depth == limit {
            return true;
        }
        // Only containers nest: a scalar child is never deeper.
        for child in children {
            if matches!(child, Value::Array(_) | Value::Object(_)) {
                stack.push((child, depth + 1));
            }
        }
    }
    false
}

/// A last-in first-out stack that holds its first `N` items in place and
/// only allocates past them: the walks over request bodies run on every
/// call, and most bodies nest a few levels.
pub(crate) struct Stack<T: Copy, const N: usize> {
    inline: [Option<T>; N],
    len: usize,
    /// The items past the first `N`, above them.
    spilled: Vec<T>,
}

impl<T: Copy, const N: usize> Stack<T, N> {
    pub(crate) fn new() -> Self {
        Stack {
            inline: [None; N],
            len: 0,
            spilled: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, item: T) {
        if self.len < N && self.spilled.is_empty() {
            self.inline[self.len] = Some(item);
            self.len += 1;
        } else {
            self.spilled.push(item);
        }
    }

    pub(crate) fn pop(&mut self) -> Option<T> {
        if let Some(item) = self.spilled.pop() {
            return Some(item);
        }
        self.len = self.len.checked_sub(1)?;
        self.inline[self.len].take()
    }
}

/// How many arrays and objects `value` nests at its deepest (a scalar: 0);
/// walked without recursion.
pub(crate) fn depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 1)];
    while let Some((v, level)) = stack.pop() {
        let children: &mut dyn Iterator<Item = &Value> = match v {
            Value::Array(items) => &mut items.iter(),
            Value::Object(map) => &mut map.values(),
            _ => continue,
        };
        deepest = deepest.max(level);
        stack.extend(children.map(|c| (c, level + 1)));
    }
    deepest
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
    fn the_stack_is_last_in_first_out_past_its_inline_items() {
        let mut stack = Stack::<usize, 2>::new();
        for i in 0..5 {
            stack.push(i);
        }
        assert_eq!(stack.pop(), Some(4));
        stack.push(9);
        let rest: Vec<_> = std::iter::from_fn(|| stack.pop()).collect();
        assert_eq!(rest, [9, 3, 2, 1, 0]);
        assert_eq!(stack.pop(), None);
    }

    #[test]
    fn depth_is_bounded() {
        let nested = |levels: usize| (0..levels).fold(Value::from(0), |v, _| Value::Array(vec![v]));
        assert!(!too_deep(&nested(MAX_DEPTH)));
        assert!(too_deep(&nested(MAX_DEPTH + 1)));
        assert!(TOO_DEEP.contains(&MAX_DEPTH.to_string()));
    }

    #[test]
    fn depth_counts_the_deepest_branch() {
        let nested = |levels: usize| (0..levels).fold(Value::from(0), |v, _| Value::Array(vec![v]));
        assert_eq!(depth(&Value::from(1)), 0);
        assert_eq!(depth(&serde_json::json!({"a": [], "b": [[1]]})), 3);
        assert_eq!(depth(&nested(1_000)), 1_000);
    }

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
