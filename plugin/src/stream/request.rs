//! Reading the bodies of `stream`, `stream_ack` and `stream_cancel`: shape
//! checks with typed errors (`invalid_args`), before anything runs.

use std::str::FromStr;

use serde_json::{Map, Value};

use crate::{
    core::error::{ArgProblem, CallError},
    dispatch::request::not_an_object,
};

/// The window a stream gets when the webview asks for none.
pub(crate) const DEFAULT_WINDOW: u64 = 512;
/// The largest window a webview may ask for.
pub(crate) const MAX_WINDOW: u64 = 16_384;

/// `{"fn", "args", "channel", "window"?}`.
#[derive(Debug)]
pub(crate) struct StreamRequest<'a> {
    pub(crate) function: &'a str,
    pub(crate) args: Option<&'a Map<String, Value>>,
    pub(crate) channel: &'a str,
    pub(crate) channel_id: u32,
    pub(crate) window: u64,
}

/// `{"channel", "credits"}` or `{"channel"}`.
#[derive(Debug)]
pub(crate) struct Control {
    pub(crate) channel: u32,
    pub(crate) credits: u64,
}

/// Collects the problems of one body.
struct Reader<'a> {
    obj: &'a Map<String, Value>,
    known: &'static [&'static str],
    problems: Vec<ArgProblem>,
}

impl<'a> Reader<'a> {
    fn new(body: &'a Value, known: &'static [&'static str]) -> Result<Self, CallError> {
        let Value::Object(obj) = body else {
            return Err(not_an_object("not an object"));
        };
        Ok(Reader {
            obj,
            known,
            problems: Vec::new(),
        })
    }

    fn problem(&mut self, name: &str, problem: &'static str, expected: &str) {
        self.problems.push(ArgProblem {
            name: name.to_owned(),
            problem,
            expected: Some(expected.to_owned()),
            message: None,
        });
    }

    fn string(&mut self, key: &str) -> Option<&'a str> {
        match self.obj.get(key) {
            Some(Value::String(s)) => Some(s),
            Some(_) => {
                self.problem(key, "invalid", "string");
                None
            }
            None => {
                self.problem(key, "missing", "string");
                None
            }
        }
    }

    /// The channel as the webview serializes it: `__CHANNEL__:<id>`.
    fn channel(&mut self) -> Option<(&'a str, u32)> {
        let text = self.string("channel")?;
        match tauri::ipc::JavaScriptChannelId::from_str(text) {
            Ok(_) => text
                .rsplit(':')
                .next()
                .and_then(|id| id.parse().ok())
                .map(|id| (text, id)),
            Err(_) => {
                self.problem("channel", "invalid", "a channel (`__CHANNEL__:<id>`)");
                None
            }
        }
    }

    /// An integer in `min..=max`, or `default` when absent.
    fn count(&mut self, key: &str, min: u64, max: u64, default: Option<u64>) -> Option<u64> {
        let expected = format!("an integer from {min} to {max}");
        match self.obj.get(key) {
            None if default.is_some() => default,
            None => {
                self.problem(key, "missing", &expected);
                None
            }
            Some(v) => match v.as_u64().filter(|n| (min..=max).contains(n)) {
                Some(n) => Some(n),
                None => {
                    self.problem(key, "invalid", &expected);
                    None
                }
            },
        }
    }

    fn finish<T>(mut self, value: Option<T>) -> Result<T, CallError> {
        for key in self.obj.keys() {
            if !self.known.contains(&key.as_str()) {
                self.problems.push(ArgProblem {
                    name: key.clone(),
                    problem: "unknown",
                    expected: None,
                    message: None,
                });
            }
        }
        match value {
            Some(v) if self.problems.is_empty() => Ok(v),
            _ => Err(CallError::InvalidArgs(self.problems)),
        }
    }
}

impl<'a> StreamRequest<'a> {
    pub(crate) fn parse(body: &'a Value) -> Result<Self, CallError> {
        let mut r = Reader::new(body, &["fn", "args", "channel", "window"])?;
        let function = r.string("fn");
        let args = match r.obj.get("args") {
            Some(Value::Object(m)) => Some(Some(m)),
            None | Some(Value::Null) => Some(None),
            Some(_) => {
                r.problem("args", "invalid", "object");
                None
            }
        };
        let channel = r.channel();
        let window = r.count("window", 1, MAX_WINDOW, Some(DEFAULT_WINDOW));
        let parsed = (|| {
            let (channel, channel_id) = channel?;
            Some(StreamRequest {
                function: function?,
                args: args?,
                channel,
                channel_id,
                window: window?,
            })
        })();
        r.finish(parsed)
    }
}

impl Control {
    /// `stream_ack`: `{"channel", "credits"}`.
    pub(crate) fn ack(body: &Value) -> Result<Self, CallError> {
        let mut r = Reader::new(body, &["channel", "credits"])?;
        let channel = r.channel();
        let credits = r.count("credits", 0, MAX_WINDOW, None);
        let parsed = channel
            .zip(credits)
            .map(|((_, channel), credits)| Control { channel, credits });
        r.finish(parsed)
    }

    /// `stream_cancel`: `{"channel"}`.
    pub(crate) fn cancel(body: &Value) -> Result<Self, CallError> {
        let mut r = Reader::new(body, &["channel"])?;
        let parsed = r.channel().map(|(_, channel)| Control {
            channel,
            credits: 0,
        });
        r.finish(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_a_stream_request() {
        let body = json!({"fn": "f", "args": {"a": 1}, "channel": "__CHANNEL__:7"});
        let r = StreamRequest::parse(&body).unwrap();
        assert_eq!(
            (r.function, r.channel_id, r.window),
            ("f", 7, DEFAULT_WINDOW)
        );
    }

    #[test]
    fn names_every_problem() {
        let body = json!({"fn": 1, "channel": "7", "window": 0, "x": true});
        let CallError::InvalidArgs(p) = StreamRequest::parse(&body).unwrap_err() else {
            panic!()
        };
        let names: Vec<_> = p.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["fn", "channel", "window", "x"]);
    }

    #[test]
    fn refuses_hostile_controls() {
        for body in [
            json!(null),
            json!([]),
            json!({}),
            json!({"channel": "__CHANNEL__:-1"}),
            json!({"channel": "__CHANNEL__:4294967296"}),
            json!({"channel": 5}),
            json!({"channel": "__CHANNEL__:1", "credits": -1}),
            json!({"channel": "__CHANNEL__:1", "credits": 1.5}),
            json!({"channel": "__CHANNEL__:1", "credits": u64::MAX}),
        ] {
            assert!(Control::ack(&body).is_err(), "{body}");
        }
        assert!(Control::cancel(&json!({"channel": "__CHANNEL__:1", "credits": 1})).is_err());
        assert_eq!(
            Control::cancel(&json!({"channel": "__CHANNEL__:9"}))
                .unwrap()
                .channel,
            9
        );
    }
}
