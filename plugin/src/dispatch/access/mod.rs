//! Per-window access through Tauri's ACL: the `mizan` permission scope lists
//! the functions and contexts a capability allows and denies.
//!
//! With no allow entries at all, everything is allowed (that is what
//! `mizan:default` grants). Denies always win.

mod entry;

pub use entry::AccessEntry;

use std::sync::Arc;

use crate::core::error::CallError;

/// The allow and deny entries that apply to one call.
#[derive(Debug, Default)]
pub(crate) struct Access {
    allows: Vec<Arc<AccessEntry>>,
    denies: Vec<Arc<AccessEntry>>,
}

impl Access {
    /// The window's entries, as the edge collected them.
    pub(crate) fn new(allows: Vec<Arc<AccessEntry>>, denies: Vec<Arc<AccessEntry>>) -> Self {
        Access { allows, denies }
    }

    /// Checks a function, which may belong to a context.
    pub(crate) fn check_fn(&self, function: &str, context: Option<&str>) -> Result<(), CallError> {
        let hits = |e: &AccessEntry| {
            matches(e.function.as_deref(), function)
                || context.is_some_and(|c| matches(e.context.as_deref(), c))
        };
        self.decide(hits, || format!("function `{function}`"))
    }

    /// Checks a context's bundle.
    pub(crate) fn check_context(&self, context: &str) -> Result<(), CallError> {
        let hits = |e: &AccessEntry| matches(e.context.as_deref(), context);
        self.decide(hits, || format!("context `{context}`"))
    }

    fn decide(
        &self,
        hits: impl Fn(&AccessEntry) -> bool,
        what: impl FnOnce() -> String,
    ) -> Result<(), CallError> {
        let denied = self.denies.iter().any(|e| hits(e));
        let allowed = self.allows.is_empty() || self.allows.iter().any(|e| hits(e));
        if denied || !allowed {
            Err(CallError::Forbidden(what()))
        } else {
            Ok(())
        }
    }
}

fn matches(pattern: Option<&str>, name: &str) -> bool {
    pattern.is_some_and(|p| p == "*" || p == name)
}
