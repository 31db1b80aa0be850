//! One cached context function served for one request: a fresh entry
//! without running the function; else one run per key (joined by
//! concurrent requests); a failed run (`Err`, panic, timeout) answered by
//! the last entry within the stale-if-error bound.

use std::{sync::Arc, time::Duration};

use futures_util::FutureExt;

use super::{policy, record::Record, unix_ms, OriginCache, Since};
use crate::core::{
    auth::Identity,
    call::{HandlerFuture, Outcome},
    error::CallError,
    registry::CachePolicy,
    scoping::Params,
};

/// A request for one cached function.
#[derive(Debug)]
pub(crate) struct Cached<'a> {
    pub(crate) function: &'static str,
    pub(crate) context: &'a str,
    pub(crate) policy: CachePolicy,
    pub(crate) identity: Option<&'a Identity>,
    /// The function's own canonical params.
    pub(crate) params: Params,
    /// An `async` function: it can be timed out (a sync one holds its
    /// thread until it returns).
    pub(crate) can_time_out: bool,
}

/// What the cache answers for one function.
#[derive(Debug)]
pub(crate) struct Served {
    pub(crate) outcome: Outcome,
    /// Set when a stored entry stands in for a failed run: when it was
    /// stored, and why the run failed.
    pub(crate) stale: Option<(u64, CallError)>,
}

/// Failures a stored entry may stand in for. Refusals (auth, access,
/// arguments) never are: the caller gets the refusal.
fn may_fall_back(e: &CallError) -> bool {
    matches!(
        e,
        CallError::App(_) | CallError::Internal(_) | CallError::Timeout { .. }
    )
}

impl OriginCache {
    /// Serves one cached function. `start` builds the function's run (its
    /// args parsed, panics caught); it is called only if the function
    /// runs.
    pub(crate) async fn serve(
        self: &Arc<Self>,
        req: Cached<'_>,
        start: impl FnOnce() -> HandlerFuture,
    ) -> Served {
        let key = self.key(req.identity, req.function, &req.params);
        let policy = req.policy;
        let now = unix_ms();
        let found = self.lookup(&key, policy.ttl_ms, now);
        if let Some(f) = found.as_ref().filter(|f| f.fresh) {
            return Served {
                outcome: Ok(f.record.value.clone()),
                stale: None,
            };
        }

        // What a run stores, but its value and time.
        let template = Record {
            context: req.context.to_owned(),
            function: req.function.to_owned(),
            params: req.params,
            identity: self.identity_tag(req.identity),
            stored_at: 0,
            generation: self.generation,
            value: Default::default(),
        };
        let epoch = self.epoch();
        let this = self.clone();
        let probe = template.clone();
        let joined = self.flights.join_or_start(
            key,
            |started| self.since_for(started, &probe) != Since::Untouched,
            epoch,
            |id| {
                let run = start();
                Box::pin(async move {
                    let outcome = run.await;
                    if let Ok(value) = &outcome {
                        let record = Record {
                            stored_at: unix_ms(),
                            value: value.clone(),
                            ..template
                        };
                        this.store(key, record, epoch);
                    }
                    this.flights.finish(&key, id);
                    outcome
                })
            },
        );

        let fallback = found.filter(|f| policy::may_stand_in(&policy, &f.record, now));
        let outcome = match (policy.timeout_ms, fallback.is_some() && req.can_time_out) {
            (ms, true) if ms > 0 && tokio::runtime::Handle::try_current().is_ok() => {
                match tokio::time::timeout(Duration::from_millis(ms), joined.run.clone()).await {
                    Ok(outcome) => outcome,
                    Err(_) => {
                        // The run goes on and stores its answer when it comes.
                        tauri::async_runtime::spawn(joined.run.map(drop));
                        Err(CallError::Timeout { ms })
                    }
                }
            }
            _ => joined.run.await,
        };
        match outcome {
            Err(e) if may_fall_back(&e) => {
                let now = unix_ms();
                match self
                    .lookup(&key, policy.ttl_ms, now)
                    .filter(|f| policy::may_stand_in(&policy, &f.record, now))
                {
                    Some(f) => Served {
                        outcome: Ok(f.record.value.clone()),
                        stale: Some((f.record.stored_at, e)),
                    },
                    None => Served {
                        outcome: Err(e),
                        stale: None,
                    },
                }
            }
            outcome => Served {
                outcome,
                stale: None,
            },
        }
    }

    fn since_for(&self, started: u64, record: &Record) -> Since {
        super::lock(&self.state).since(started, record)
    }
}
