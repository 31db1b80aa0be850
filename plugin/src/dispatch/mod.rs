//! The dispatcher: runs calls and bundles on the core. Looks the function
//! up, decides access for the window, asks the auth guard, reads the args,
//! runs the function with panics caught, and computes the targets of a
//! mutation. It knows nothing of how a request arrived: the Tauri edge
//! hands it parsed requests, the window's access entries and the caller.

pub(crate) mod access;
pub(crate) mod auth;
pub(crate) mod request;

use std::{any::Any, collections::BTreeMap, panic::AssertUnwindSafe, sync::Arc};

use futures_util::FutureExt;
use serde_json::{Map, Value};

use crate::{
    cache::{Cached, OriginCache},
    core::{
        args::{Args, ParamSource},
        auth::Identity,
        call::{take_raw, CallCtx, CallScope, Caller, HandlerFuture, Outcome},
        error::{ArgProblem, CallError, WireError},
        registry::{ClientFn, FnEntry, FnKind, Registry},
        scoping::{Params, Target},
        wire::{Bundle, Envelope, Stale},
    },
};
use access::{Access, Reach};
use auth::IdentityProvider;
use request::{CallRequest, CtxRequest};

/// One finished call: its outcome and the targets to apply.
#[derive(Debug)]
pub(crate) struct Finished {
    pub(crate) function: Option<&'static str>,
    pub(crate) outcome: Outcome,
    pub(crate) targets: Vec<Target>,
    /// The bytes of a function that returned `Bytes`, answered raw.
    pub(crate) binary: Option<Vec<u8>>,
}

impl Finished {
    /// The success envelope, or the wire error with the targets to apply.
    pub(crate) fn into_envelope(self) -> Result<Envelope, WireError> {
        match self.outcome {
            Ok(result) => Ok(Envelope {
                result,
                invalidate: self.targets,
                bundles: None,
            }),
            Err(e) => Err(e.to_wire(self.function, self.targets)),
        }
    }

    fn refused(function: Option<&'static str>, error: CallError) -> Self {
        Finished {
            function,
            outcome: Err(error),
            targets: Vec::new(),
            binary: None,
        }
    }
}

/// The runtime-independent core shared by the commands.
pub(crate) struct Dispatcher {
    pub(crate) registry: Arc<Registry>,
    pub(crate) scoping: bool,
    pub(crate) identity: Option<IdentityProvider>,
    /// The origin cache, when some context function is marked `cache`.
    pub(crate) cache: Option<Arc<OriginCache>>,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher")
            .field("scoping", &self.scoping)
            .field("identity_provider", &self.identity.is_some())
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl Dispatcher {
    /// Whether this window may run this function (access), then who is
    /// calling and whether the function admits them (the auth guard). The
    /// one gate before any function runs, through `call` or in a bundle.
    pub(crate) async fn admit(
        &self,
        entry: &FnEntry,
        access: &Access,
        caller: &dyn Caller,
    ) -> Result<Option<Identity>, CallError> {
        let context = match entry.def.kind {
            FnKind::Context(c) => Some(c.name()),
            _ => None,
        };
        access.check(Reach::Function {
            name: entry.def.name,
            context,
        })?;
        auth::admit(self.identity.as_ref(), entry.def, caller).await
    }

    /// Whether calling `function` needs the async runtime (an unknown name
    /// does not: it is refused at once).
    pub(crate) fn runs_async(&self, function: &str) -> bool {
        self.registry
            .functions
            .get(function)
            .is_some_and(|f| f.def.is_async)
    }

    /// Whether any function of `context` needs the async runtime.
    pub(crate) fn context_runs_async(&self, context: &str) -> bool {
        self.registry
            .contexts
            .get(context)
            .is_some_and(|c| c.functions.iter().any(|f| f.is_async))
    }

    /// Debug builds: tells the developer that a call named something
    /// nothing registered, and what is registered.
    fn unknown<'a>(&self, what: &str, name: &str, known: impl Iterator<Item = &'a &'static str>) {
        if cfg!(debug_assertions) {
            let mut known: Vec<&str> = known.copied().collect();
            known.sort_unstable();
            crate::core::notice::say(
                log::Level::Warn,
                &crate::core::notice::unknown(what, name, &known),
            );
        }
    }

    pub(crate) async fn call(
        &self,
        caller: &Arc<dyn Caller>,
        access: &Access,
        req: CallRequest<'_>,
    ) -> Finished {
        self.call_with_source(caller, access, req, None).await
    }

    /// A call whose params are read with `source` set up around them (an
    /// upload's files; `None` for `call`).
    pub(crate) async fn call_with_source(
        &self,
        caller: &Arc<dyn Caller>,
        access: &Access,
        req: CallRequest<'_>,
        source: Option<Box<dyn ParamSource>>,
    ) -> Finished {
        let (entry, identity) = match self.admitted(req.function, access, &**caller, false).await {
            Ok(admitted) => admitted,
            Err(refused) => return refused,
        };
        let name = entry.def.name;

        // Only a mutation collects what its targets are computed from.
        let scope = matches!(entry.def.kind, FnKind::Mutation(_))
            .then(|| Arc::new(CallScope::new(entry.scope_params.clone())));
        take_raw();
        let outcome = run(
            entry.def,
            caller,
            scope.clone(),
            identity,
            Args::new(req.args).with_source(source),
        )
        .await;
        let binary = take_raw();
        let targets = self.targets_of(name, scope.as_deref(), &outcome);
        Finished {
            function: Some(name),
            outcome,
            targets,
            binary,
        }
    }

    /// The function `function`, looked up, then admitted for this window
    /// and caller. A streaming function is refused unless `streams`: it
    /// runs through `stream`.
    async fn admitted(
        &self,
        function: &str,
        access: &Access,
        caller: &dyn Caller,
        streams: bool,
    ) -> Result<(&FnEntry, Option<Identity>), Finished> {
        let Some(entry) = self.registry.functions.get(function) else {
            self.unknown("function", function, self.registry.functions.keys());
            return Err(Finished::refused(
                None,
                CallError::UnknownFunction(function.to_owned()),
            ));
        };
        let name = entry.def.name;
        if entry.def.is_stream() && !streams {
            let e = CallError::OtherCommand {
                function: name,
                command: "stream",
            };
            return Err(Finished::refused(Some(name), e));
        }
        match self.admit(entry, access, caller).await {
            Ok(identity) => Ok((entry, identity)),
            Err(e) => Err(Finished::refused(Some(name), e)),
        }
    }

    /// Checks a call's args without running the function (the `validate`
    /// command, docs/protocol.md: "Forms"): the same lookup, access and auth as `call`,
    /// then the handler reads the args, checks the form rules and stops
    /// before the body. Nothing runs, nothing is invalidated.
    pub(crate) async fn validate(
        &self,
        caller: &Arc<dyn Caller>,
        access: &Access,
        req: CallRequest<'_>,
    ) -> Finished {
        let (entry, identity) = match self.admitted(req.function, access, &**caller, true).await {
            Ok(admitted) => admitted,
            Err(refused) => return refused,
        };
        let ctx = CallCtx::new(caller.clone(), None, identity).validate_only();
        let outcome = match start(entry.def, ctx, Args::new(req.args)) {
            Ok(future) => finish(entry.def, future).await,
            Err(e) => Err(e),
        };
        Finished {
            function: Some(entry.def.name),
            outcome,
            targets: Vec::new(),
            binary: None,
        }
    }

    /// A mutation's targets once it ran (tiers 1 to 3, normalized): on
    /// success, and on an `app` error (it may have written part of its
    /// work). None for other functions, or when scoping is off.
    pub(crate) fn targets_of(
        &self,
        function: &str,
        scope: Option<&CallScope>,
        outcome: &Outcome,
    ) -> Vec<Target> {
        // A call without a scope (a query) has no targets: no lookup.
        let (Some(scope), Ok(_) | Err(CallError::App(_)), true) = (scope, outcome, self.scoping)
        else {
            return Vec::new();
        };
        match self.registry.functions.get(function) {
            Some(entry) => {
                let targets = entry.targets(&scope.captured(), scope.explicit());
                self.registry.normalize_targets(targets)
            }
            None => Vec::new(),
        }
    }

    /// The canonical params of a bundle of `context` (docs/protocol.md: "Words"): the
    /// given params read as the context declares them, nulls left out;
    /// `unknown_context`, or `invalid_args` naming every offending param.
    pub(crate) fn bundle_params(
        &self,
        context: &str,
        given: Option<&Map<String, Value>>,
    ) -> Result<Map<String, Value>, CallError> {
        let Some(ctx) = self.registry.contexts.get(context) else {
            self.unknown("context", context, self.registry.contexts.keys());
            return Err(CallError::UnknownContext(context.to_owned()));
        };
        let mut canonical = Map::new();
        let mut problems = Vec::new();
        for (name, cp) in &ctx.params {
            let value = given.and_then(|m| m.get(*name));
            let missing = value.is_none();
            match cp.param.canonicalize(value.unwrap_or(&Value::Null)) {
                Ok(Value::Null) => {}
                Ok(v) => {
                    canonical.insert((*name).to_owned(), v);
                }
                Err(message) => problems.push(ArgProblem {
                    name: (*name).to_owned(),
                    problem: if missing { "missing" } else { "invalid" },
                    expected: Some(crate::core::args::short_type_name(cp.param.type_name())),
                    message: (!missing).then_some(message),
                }),
            }
        }
        let unknown = given.into_iter().flat_map(Map::keys);
        problems.extend(
            unknown
                .filter(|k| !ctx.params.contains_key(k.as_str()))
                .map(|k| ArgProblem {
                    name: k.clone(),
                    problem: "unknown",
                    expected: None,
                    message: None,
                }),
        );
        if !problems.is_empty() {
            problems.sort_by(|a, b| a.name.cmp(&b.name));
            return Err(CallError::InvalidArgs(problems));
        }
        Ok(canonical)
    }

    pub(crate) async fn bundle(
        &self,
        caller: &Arc<dyn Caller>,
        access: &Access,
        req: CtxRequest<'_>,
    ) -> Result<Bundle, CallError> {
        let Some(ctx) = self.registry.contexts.get(req.context) else {
            self.unknown("context", req.context, self.registry.contexts.keys());
            return Err(CallError::UnknownContext(req.context.to_owned()));
        };
        access.check(Reach::Bundle(req.context))?;
        let canonical = self.bundle_params(req.context, req.params)?;

        let canonical_ref = &canonical;
        let runs = ctx.functions.iter().map(|f| {
            let entry = &self.registry.functions[f.name];
            async move {
                let identity = match self.admit(entry, access, &**caller).await {
                    Ok(identity) => identity,
                    Err(e) => return (f.name, Err(e), None),
                };
                let args = Args::shared(canonical_ref);
                match (f.cache, &self.cache) {
                    (Some(policy), Some(cache)) => {
                        let request = Cached {
                            function: f.name,
                            context: req.context,
                            policy,
                            identity: identity.as_ref(),
                            params: own_params(f, canonical_ref),
                            can_time_out: f.is_async,
                        };
                        let start = || started(f, caller, None, identity.clone(), args);
                        let served = cache.serve(request, start).await;
                        (f.name, served.outcome, served.stale)
                    }
                    _ => (f.name, run(f, caller, None, identity, args).await, None),
                }
            }
        });
        let mut data = BTreeMap::new();
        let mut errors = BTreeMap::new();
        let mut stale = BTreeMap::new();
        for (name, outcome, stood_in) in futures_util::future::join_all(runs).await {
            match outcome {
                Ok(v) => {
                    data.insert(name, v);
                }
                Err(e) => {
                    errors.insert(name, e.to_wire(Some(name), Vec::new()));
                }
            }
            if let Some((stored_at, e)) = stood_in {
                let error = e.to_wire(Some(name), Vec::new());
                stale.insert(name, Stale { stored_at, error });
            }
        }
        Ok(Bundle {
            context: req.context.to_owned(),
            params: canonical.into_iter().collect(),
            data,
            errors,
            stale,
        })
    }
}

/// Parses the args and starts the function, with panics caught.
fn begin(
    def: &'static ClientFn,
    caller: &Arc<dyn Caller>,
    scope: Option<Arc<CallScope>>,
    identity: Option<Identity>,
    args: Args<'_>,
) -> Result<HandlerFuture, CallError> {
    start(def, CallCtx::new(caller.clone(), scope, identity), args)
}

/// Parses the args and starts the function in `ctx`, with panics caught.
pub(crate) fn start(
    def: &'static ClientFn,
    ctx: CallCtx,
    args: Args<'_>,
) -> Result<HandlerFuture, CallError> {
    let handler = def.handler;
    match std::panic::catch_unwind(AssertUnwindSafe(|| handler(ctx, args))) {
        Ok(started) => started,
        Err(panic) => Err(panicked(def, panic)),
    }
}

/// Runs a started function to its outcome, with panics caught.
pub(crate) async fn finish(def: &'static ClientFn, future: HandlerFuture) -> Outcome {
    match AssertUnwindSafe(future).catch_unwind().await {
        Ok(outcome) => outcome,
        Err(panic) => Err(panicked(def, panic)),
    }
}

/// Parses the args and runs the function, with panics caught at both steps.
async fn run(
    def: &'static ClientFn,
    caller: &Arc<dyn Caller>,
    scope: Option<Arc<CallScope>>,
    identity: Option<Identity>,
    args: Args<'_>,
) -> Outcome {
    match begin(def, caller, scope, identity, args) {
        Ok(future) => finish(def, future).await,
        Err(e) => Err(e),
    }
}

/// The whole run as one future that owns what it needs (the origin cache
/// shares it between concurrent requests).
fn started(
    def: &'static ClientFn,
    caller: &Arc<dyn Caller>,
    scope: Option<Arc<CallScope>>,
    identity: Option<Identity>,
    args: Args<'_>,
) -> HandlerFuture {
    match begin(def, caller, scope, identity, args) {
        Ok(future) => Box::pin(finish(def, future)),
        Err(e) => Box::pin(std::future::ready(Err(e))),
    }
}

/// The function's own params out of a bundle's canonical params: what its
/// cache key is made of.
fn own_params(def: &ClientFn, canonical: &Map<String, Value>) -> Params {
    def.params
        .iter()
        .filter_map(|p| Some((p.name.to_owned(), canonical.get(p.name)?.clone())))
        .collect()
}

fn panicked(def: &ClientFn, panic: Box<dyn Any + Send>) -> CallError {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string panic payload".to_owned());
    CallError::internal(format!("`{}` panicked: {message}", def.name))
}
