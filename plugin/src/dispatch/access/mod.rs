//! Per-window access through Tauri's ACL: the `mizan` scope entries of a
//! window's capabilities name the functions and contexts it may or may not
//! reach.
//!
//! Which command carries an entry does not matter: the edge collects the
//! entries of every plugin command granted to the window, and the global
//! ones. The rule is [`Access::check`]:
//!
//! - A deny naming a function refuses it wherever it is reached: through
//!   `call`, and inside its context's bundle (where it fails alone, under
//!   `errors`).
//! - A deny naming a context refuses its bundle and each of its context
//!   functions through `call`.
//! - Allow entries naming contexts, if there are any, are the only contexts
//!   the window reaches: their bundles and their context functions.
//! - Allow entries naming functions, if there are any, are the only
//!   functions it runs; a context named by an allow entry allows its
//!   functions too.
//! - Denies always win. With no entries at all, everything is allowed
//!   (what `mizan:default` grants).

mod entry;

pub use entry::AccessEntry;

use std::sync::Arc;

use crate::core::error::CallError;

/// What one request reaches.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Reach<'a> {
    /// A function run by `call` or inside a bundle, with its context if it
    /// is a context function.
    Function {
        name: &'a str,
        context: Option<&'a str>,
    },
    /// A context's bundle, fetched by `ctx`.
    Bundle(&'a str),
}

/// The allow and deny entries of the calling window: one set, or several
/// that must all allow a reach ([`Access::and`]). Cheap to clone: the edge
/// keeps one per page and hands it to each of its requests.
#[derive(Debug, Default, Clone)]
pub(crate) struct Access(Arc<[Entries]>);

#[derive(Debug, Default, Clone)]
struct Entries {
    allows: Vec<Arc<AccessEntry>>,
    denies: Vec<Arc<AccessEntry>>,
}

impl Access {
    /// The window's entries, as the edge collected them.
    pub(crate) fn new(allows: Vec<Arc<AccessEntry>>, denies: Vec<Arc<AccessEntry>>) -> Self {
        Access(Arc::new([Entries { allows, denies }]))
    }

    /// What both `self` and `other` allow.
    pub(crate) fn and(&self, other: &Access) -> Access {
        Access(self.0.iter().chain(other.0.iter()).cloned().collect())
    }

    /// Refuses with `forbidden` what the window may not reach.
    pub(crate) fn check(&self, reach: Reach<'_>) -> Result<(), CallError> {
        self.0.iter().try_for_each(|entries| entries.check(reach))
    }
}

impl Entries {
    fn check(&self, reach: Reach<'_>) -> Result<(), CallError> {
        let (function, context) = match reach {
            Reach::Function { name, context } => (Some(name), context),
            Reach::Bundle(context) => (None, Some(context)),
        };
        let names_fn = |e: &AccessEntry| function.is_some_and(|f| matches(&e.function, f));
        let names_ctx = |e: &AccessEntry| context.is_some_and(|c| matches(&e.context, c));
        let allows = || self.allows.iter().map(|e| &**e);

        let denied = self.denies.iter().any(|e| names_fn(e) || names_ctx(e));
        let fn_listed = allows().any(|e| e.function.is_some());
        let ctx_listed = allows().any(|e| e.context.is_some());
        let fn_allowed =
            function.is_none() || !fn_listed || allows().any(|e| names_fn(e) || names_ctx(e));
        let ctx_allowed = context.is_none() || !ctx_listed || allows().any(names_ctx);
        if denied || !fn_allowed || !ctx_allowed {
            return Err(CallError::Forbidden(match reach {
                Reach::Function { name, .. } => format!("function `{name}`"),
                Reach::Bundle(context) => format!("context `{context}`"),
            }));
        }
        Ok(())
    }
}

/// An entry's pattern matches `name`: the same name, or `*`.
fn matches(pattern: &Option<String>, name: &str) -> bool {
    pattern.as_deref().is_some_and(|p| p == "*" || p == name)
}
