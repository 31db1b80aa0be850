//! The `since` command: `{"seq": <u64>}` answers
//! `{"seq": <the last event's number>, "targets": [<target>, ...] | null}`,
//! the targets of every invalidation event numbered after `seq` (`null`
//! when the plugin no longer holds them all: take everything as
//! invalidated). A page asks it once for its snapshot, so that entries a
//! later invalidation reached (before its listener was up, or before a
//! reload ran the old snapshot again) refetch in the background.
//!
//! The targets are those of contexts the calling page may read (its
//! access, as `ctx` checks it): a page learns nothing of what others
//! changed in contexts it cannot read.

use serde::Serialize;
use serde_json::Value;
use tauri::{ipc::Invoke, Runtime};

use crate::{
    core::{
        error::{ArgProblem, CallError},
        scoping::Target,
    },
    dispatch::access::Reach,
    edge::commands::small_request,
};

/// The answer of `since`.
#[derive(Debug, Serialize)]
struct Since {
    seq: u64,
    targets: Option<Vec<Target>>,
}

/// Serves `plugin:mizan|since`.
pub(crate) fn since<R: Runtime>(invoke: Invoke<R>) {
    let Some((shared, seq, access)) = small_request(&invoke, "since", read_seq) else {
        return;
    };
    let (last, targets) = shared.events.since(seq);
    let targets = targets.map(|all| {
        all.into_iter()
            .filter(|t| access.check(Reach::Bundle(&t.context)).is_ok())
            .collect()
    });
    invoke.resolver.resolve(Since { seq: last, targets });
}

/// `{"seq": <u64>}` and nothing else.
fn read_seq(body: &Value) -> Result<u64, CallError> {
    let seq = body
        .as_object()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.get("seq"))
        .and_then(Value::as_u64);
    seq.ok_or_else(|| {
        CallError::InvalidArgs(vec![ArgProblem {
            name: "seq".to_owned(),
            problem: "invalid",
            expected: Some("{seq: a non-negative integer}".to_owned()),
            message: None,
        }])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_only_a_seq() {
        assert_eq!(read_seq(&json!({"seq": 3})).unwrap(), 3);
        for bad in [
            json!({}),
            json!({"seq": -1}),
            json!({"seq": "3"}),
            json!({"seq": 1, "x": 2}),
            json!([1]),
        ] {
            assert!(read_seq(&bad).is_err(), "{bad}");
        }
    }
}
