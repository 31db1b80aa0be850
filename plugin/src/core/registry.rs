//! The registry: every `#[client]` function of the program, found through
//! `inventory`, checked once at start-up and indexed for dispatch.

use std::{
    collections::{BTreeMap, HashMap},
    hash::{BuildHasherDefault, Hasher},
};

use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

use crate::core::{
    args::{too_deep, TOO_DEEP},
    call::Handler,
    context::Context,
    error::{CallError, RegistryError},
    scoping::{compute_targets, normalize, AffectRule, Params, Target, Tier},
};

/// What kind of function a `#[client]` function is.
#[derive(Debug, Clone, Copy)]
pub enum FnKind {
    /// A plain typed RPC, not cached by the protocol.
    Query,
    /// A read that belongs to a context and is fetched with its bundle.
    Context(&'static Context),
    /// A call whose success invalidates parts of these contexts.
    Mutation(&'static [Affect]),
}

/// How one context function's results are cached in the plugin process
/// (docs/protocol.md: "Origin cache"). Written by `#[client(context = C, cache)]` or
/// `cache(ttl = "5m", stale_if_error = "7d", timeout = "3s")`.
///
/// ```
/// use tauri_plugin_mizan::registry::CachePolicy;
/// let p = CachePolicy::new(5 * 60_000, 7 * 86_400_000, 3_000);
/// assert_eq!(CachePolicy::DEFAULT.ttl_ms, 5 * 60_000);
/// assert!(p.stale_if_error_ms > 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CachePolicy {
    /// Milliseconds after it was stored during which an entry is served
    /// without running the function (unless an invalidation reached it).
    pub ttl_ms: u64,
    /// Milliseconds after it was stored during which an entry, even an
    /// invalidated or expired one, stands in for a run that failed
    /// (`Err`, panic or timeout). 0: never.
    pub stale_if_error_ms: u64,
    /// Milliseconds a run of an `async` function may take before the
    /// last entry stands in for it (only when stale-if-error allows one;
    /// the run goes on and stores its answer when it comes). 0: no limit.
    pub timeout_ms: u64,
}

impl CachePolicy {
    /// What a bare `cache` means: a 5 minute ttl, no stale-if-error, no
    /// timeout.
    pub const DEFAULT: CachePolicy = CachePolicy {
        ttl_ms: 5 * 60 * 1000,
        stale_if_error_ms: 0,
        timeout_ms: 0,
    };

    /// A policy from its three durations in milliseconds.
    pub const fn new(ttl_ms: u64, stale_if_error_ms: u64, timeout_ms: u64) -> Self {
        CachePolicy {
            ttl_ms,
            stale_if_error_ms,
            timeout_ms,
        }
    }
}

/// One context a mutation affects, with its declared param mapping.
#[derive(Debug)]
pub struct Affect {
    /// The context.
    pub context: &'static Context,
    /// `(context param, mutation param)` pairs from `USER(user_id = id)`.
    pub map: &'static [(&'static str, &'static str)],
}

/// One wire parameter of a function: its name and how to canonicalize it.
#[derive(Debug)]
pub struct WireParam {
    /// The name the webview sends.
    pub name: &'static str,
    type_name: fn() -> &'static str,
    canonical: fn(&Value) -> Result<Value, String>,
    doc: &'static str,
}

impl WireParam {
    /// Describes a wire param of type `T`.
    pub const fn new<T: DeserializeOwned + Serialize>(name: &'static str) -> Self {
        WireParam {
            name,
            type_name: std::any::type_name::<T>,
            canonical: canonicalize::<T>,
            doc: "",
        }
    }

    /// The same param with a doc comment (its `///` lines).
    pub const fn with_doc(mut self, doc: &'static str) -> Self {
        self.doc = doc;
        self
    }

    /// Its doc comment; empty when it has none.
    pub fn doc(&self) -> &'static str {
        self.doc
    }

    /// The Rust type's name.
    pub fn type_name(&self) -> &'static str {
        (self.type_name)()
    }

    /// Deserializes `value` into the declared type and serializes it again.
    /// A value nested deeper than the args allow is refused before it is
    /// read.
    pub fn canonicalize(&self, value: &Value) -> Result<Value, String> {
        (self.canonical)(value)
    }
}

fn canonicalize<T: DeserializeOwned + Serialize>(value: &Value) -> Result<Value, String> {
    if too_deep(value) {
        return Err(TOO_DEEP.to_owned());
    }
    let typed = T::deserialize(value).map_err(|e| e.to_string())?;
    serde_json::to_value(typed).map_err(|e| e.to_string())
}

/// The specta types of one function, for the IR.
#[derive(Debug, Clone)]
pub struct FnTypes {
    /// Wire params in declaration order.
    pub params: Vec<(&'static str, specta::datatype::DataType)>,
    /// The success type.
    pub result: specta::datatype::DataType,
    /// The `E` of `Result<T, E>`, if the function returns one.
    pub error: Option<specta::datatype::DataType>,
    /// A streaming function's item type: the `T` of its `StreamSink<T>`.
    pub item: Option<specta::datatype::DataType>,
    /// The schemas of its form params (docs/protocol.md: "Forms"): params whose type
    /// derives `Form`.
    pub forms: Vec<tauri_plugin_mizan_codegen::Form>,
}

/// One `#[client]` function, as the attribute registers it.
pub struct ClientFn {
    /// The name the webview calls it by.
    pub name: &'static str,
    /// The Rust function's name.
    pub rust_name: &'static str,
    /// The module it is declared in.
    pub module: &'static str,
    /// Query, context function or mutation.
    pub kind: FnKind,
    /// What it requires of the caller's identity.
    pub auth: crate::core::auth::Auth,
    /// For a context function marked `cache`: how its results are cached
    /// in the plugin process (the origin cache).
    pub cache: Option<CachePolicy>,
    /// The last path segment of each injected param's type (`State`,
    /// `Invalidations`, ...), in declaration order.
    pub injected: &'static [&'static str],
    /// `async fn`: runs on the async runtime. A sync function runs where
    /// Tauri runs sync commands.
    pub is_async: bool,
    /// Its wire params, in declaration order.
    pub params: &'static [WireParam],
    /// Deserializes the args and runs the function.
    pub handler: Handler,
    /// Its types, for the IR.
    pub types: fn(&mut specta::TypeCollection) -> FnTypes,
    /// Its doc comment (the function's `///` lines); empty when it has none.
    pub docs: &'static str,
}

impl std::fmt::Debug for ClientFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientFn")
            .field("name", &self.name)
            .field("path", &self.path())
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl ClientFn {
    /// `module::rust_name`, for messages.
    pub fn path(&self) -> String {
        format!("{}::{}", self.module, self.rust_name)
    }

    /// Whether it streams: it takes a `StreamSink` (read through `stream`).
    pub fn is_stream(&self) -> bool {
        self.injected.contains(&"StreamSink")
    }

    fn param(&self, name: &str) -> Option<&'static WireParam> {
        self.params.iter().find(|p| p.name == name)
    }
}

inventory::collect!(ClientFn);

/// A context param: its declaration, and the function that declared it first.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ContextParam {
    pub(crate) param: &'static WireParam,
    pub(crate) owner: &'static ClientFn,
}

/// One context with its functions and the union of their params.
#[derive(Debug)]
pub(crate) struct ContextEntry {
    pub(crate) functions: Vec<&'static ClientFn>,
    pub(crate) params: BTreeMap<&'static str, ContextParam>,
    pub(crate) param_names: Vec<&'static str>,
}

/// One affected context of a mutation, resolved against the registry.
#[derive(Debug)]
pub(crate) struct ResolvedAffect {
    pub(crate) context: &'static str,
    pub(crate) context_params: Vec<&'static str>,
    pub(crate) map: &'static [(&'static str, &'static str)],
}

impl ResolvedAffect {
    pub(crate) fn rule(&self) -> AffectRule<'_> {
        AffectRule {
            context: self.context,
            context_params: &self.context_params,
            map: self.map,
        }
    }
}

/// A function ready for dispatch.
#[derive(Debug)]
pub(crate) struct FnEntry {
    pub(crate) def: &'static ClientFn,
    pub(crate) affects: Vec<ResolvedAffect>,
    /// The mutation params that tier 2 needs; empty for non-mutations.
    pub(crate) scope_params: std::sync::Arc<[&'static str]>,
}

impl FnEntry {
    /// Tiers 1 to 3 for one call of this function.
    pub(crate) fn targets(&self, captured: &Params, explicit: Vec<Target>) -> Vec<Target> {
        let rules: Vec<AffectRule<'_>> = self.affects.iter().map(ResolvedAffect::rule).collect();
        compute_targets(&rules, captured, explicit).0
    }
}

/// Whether a mutation param of type `a` can scope a context param of type
/// `b` (tier 2): equal canonical values must mean the same bundle. True for
/// the same type, `Option<T>` and `T` (a `None` is left out of the target),
/// and integers of any width (serde writes them alike).
fn same_wire_type(a: &str, b: &str) -> bool {
    fn strip(t: &str) -> &str {
        t.strip_prefix("core::option::Option<")
            .and_then(|t| t.strip_suffix('>'))
            .map_or(t, strip)
    }
    const INTEGERS: [&str; 12] = [
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
    ];
    let (a, b) = (strip(a), strip(b));
    a == b || (INTEGERS.contains(&a) && INTEGERS.contains(&b))
}

/// FNV-1a, for the registry's names: every call looks its function up,
/// and SipHash costs more than the rest of the lookup. The keys are the
/// program's own names, fixed when the plugin starts; a page only looks
/// names up, so it cannot crowd the table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NameHasher(u64);

impl Default for NameHasher {
    fn default() -> Self {
        NameHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Every `#[client]` function of the program, checked and indexed.
///
/// Built once when the plugin starts; [`Registry::discover`] is what
/// `tauri_plugin_mizan::init()` uses.
#[derive(Debug)]
pub struct Registry {
    pub(crate) functions: HashMap<&'static str, FnEntry, BuildHasherDefault<NameHasher>>,
    pub(crate) contexts: BTreeMap<&'static str, ContextEntry>,
}

impl Registry {
    /// Collects every `#[client]` function linked into the program.
    pub fn discover() -> Result<Self, RegistryError> {
        Self::from_functions(inventory::iter::<ClientFn>())
    }

    /// Builds a registry from the given functions, checking that it can be
    /// served: unique names, one type per context param, known contexts.
    pub fn from_functions(
        fns: impl IntoIterator<Item = &'static ClientFn>,
    ) -> Result<Self, RegistryError> {
        let mut fns: Vec<&'static ClientFn> = fns.into_iter().collect();
        fns.sort_by(|a, b| a.name.cmp(b.name).then_with(|| a.path().cmp(&b.path())));
        let mut errors = Vec::new();

        for pair in fns.windows(2) {
            if pair[0].name == pair[1].name {
                errors.push(RegistryError::DuplicateFunction {
                    name: pair[0].name.to_owned(),
                    first: pair[0].path(),
                    second: pair[1].path(),
                });
            }
        }

        let mut contexts: BTreeMap<&'static str, ContextEntry> = BTreeMap::new();
        for f in &fns {
            let FnKind::Context(ctx) = f.kind else {
                continue;
            };
            let entry = contexts.entry(ctx.name()).or_insert_with(|| ContextEntry {
                functions: Vec::new(),
                params: BTreeMap::new(),
                param_names: Vec::new(),
            });
            entry.functions.push(f);
            for p in f.params {
                match entry.params.get(p.name) {
                    Some(existing) if existing.param.type_name() != p.type_name() => {
                        errors.push(RegistryError::ContextParamConflict {
                            context: ctx.name().to_owned(),
                            param: p.name.to_owned(),
                            first: format!(
                                "`{}: {}` in {}",
                                p.name,
                                existing.param.type_name(),
                                existing.owner.path()
                            ),
                            second: format!("`{}: {}` in {}", p.name, p.type_name(), f.path()),
                        })
                    }
                    Some(_) => {}
                    None => {
                        entry
                            .params
                            .insert(p.name, ContextParam { param: p, owner: f });
                    }
                }
            }
        }
        for entry in contexts.values_mut() {
            entry.param_names = entry.params.keys().copied().collect();
        }

        let mut functions = HashMap::default();
        for f in &fns {
            let mut affects = Vec::new();
            let mut scope_params: Vec<&'static str> = Vec::new();
            if let FnKind::Mutation(list) = f.kind {
                for a in list {
                    let name = a.context.name();
                    let Some(ctx) = contexts.get(name) else {
                        errors.push(RegistryError::UnknownContext {
                            function: f.path(),
                            context: name.to_owned(),
                        });
                        continue;
                    };
                    for (k, _) in a.map {
                        if !ctx.params.contains_key(k) {
                            errors.push(RegistryError::UnknownContextParam {
                                function: f.path(),
                                context: name.to_owned(),
                                param: (*k).to_owned(),
                            });
                        }
                    }
                    let resolved = ResolvedAffect {
                        context: name,
                        context_params: ctx.param_names.clone(),
                        map: a.map,
                    };
                    let names: Vec<&str> = f.params.iter().map(|p| p.name).collect();
                    for (k, source) in resolved.rule().pairs(&names) {
                        let Some(p) = f.param(source) else { continue };
                        let cp = ctx.params[k];
                        if !same_wire_type(p.type_name(), cp.param.type_name()) {
                            errors.push(RegistryError::ScopeTypeMismatch {
                                function: f.path(),
                                context: name.to_owned(),
                                param: format!("{}: {}", p.name, p.type_name()),
                                declared: format!(
                                    "`{k}: {}` in {}",
                                    cp.param.type_name(),
                                    cp.owner.path()
                                ),
                            });
                        } else if !scope_params.contains(&p.name) {
                            scope_params.push(p.name);
                        }
                    }
                    affects.push(resolved);
                }
            }
            functions.insert(
                f.name,
                FnEntry {
                    def: f,
                    affects,
                    scope_params: scope_params.into(),
                },
            );
        }

        match errors.len() {
            0 => Ok(Registry {
                functions,
                contexts,
            }),
            1 => Err(errors.remove(0)),
            _ => Err(RegistryError::Many(errors)),
        }
    }

    /// The registered functions, sorted by name.
    pub fn functions(&self) -> Vec<&'static ClientFn> {
        let mut fns: Vec<_> = self.functions.values().map(|e| e.def).collect();
        fns.sort_by_key(|f| f.name);
        fns
    }

    /// The registered contexts' names, sorted.
    pub fn context_names(&self) -> Vec<&'static str> {
        self.contexts.keys().copied().collect()
    }

    /// The params of a context, sorted by name.
    pub fn context_params(&self, context: &str) -> Option<Vec<&'static str>> {
        self.contexts.get(context).map(|c| c.param_names.clone())
    }

    /// The one place every target the plugin sends passes through (a
    /// mutation's three tiers, `app.mizan().invalidate`): each param of a
    /// known context is canonicalized with the context's declared type,
    /// then [`normalize`] leaves out nulls, sorts and removes duplicates. A
    /// value the type refuses could never equal a bundle's: the param is
    /// left out (the target widens, never narrows) and a warning is logged.
    pub(crate) fn normalize_targets(&self, mut targets: Vec<Target>) -> Vec<Target> {
        for target in &mut targets {
            let Some(ctx) = self.contexts.get(target.context.as_str()) else {
                log::warn!(
                    "mizan: a target names context `{}`, which is not registered",
                    target.context
                );
                continue;
            };
            target.params.retain(|name, value| {
                let Some(cp) = ctx.params.get(name.as_str()).filter(|_| !value.is_null()) else {
                    return true;
                };
                match cp.param.canonicalize(value) {
                    Ok(canonical) => {
                        *value = canonical;
                        true
                    }
                    Err(e) => {
                        log::warn!(
                            "mizan: a target of `{}` gives `{name}` a value that is not a `{}` ({e}); it reaches every `{name}` instead",
                            target.context,
                            cp.param.type_name()
                        );
                        false
                    }
                }
            });
        }
        normalize(&mut targets);
        targets
    }

    /// The targets a mutation would answer for these args (tiers 2 and 3;
    /// tier 1 happens inside the function). Args are canonicalized with
    /// the function's declared types first.
    ///
    /// Fails with `unknown_function` or `invalid_args`.
    pub fn targets_for(&self, function: &str, args: &Value) -> Result<Vec<Target>, CallError> {
        let entry = self
            .functions
            .get(function)
            .ok_or_else(|| CallError::UnknownFunction(function.to_owned()))?;
        let mut captured = Params::new();
        for name in entry.scope_params.iter() {
            let Some(value) = args.get(*name) else {
                continue;
            };
            let param = entry.def.param(name).expect("scope params are wire params");
            let canonical = param.canonicalize(value).map_err(|message| {
                CallError::InvalidArgs(vec![crate::core::error::ArgProblem {
                    name: (*name).to_owned(),
                    problem: "invalid",
                    expected: Some(crate::core::args::short_type_name(param.type_name())),
                    message: Some(message),
                }])
            })?;
            if !canonical.is_null() {
                captured.insert((*name).to_owned(), canonical);
            }
        }
        Ok(entry.targets(&captured, Vec::new()))
    }

    /// For every mutation and every context it affects: the tier it lands
    /// in and the params that scope it.
    ///
    /// A mutation whose params fall to tier 3 gets a warning: it often
    /// means a param is named differently from the context's. (Not one that
    /// names its own targets through `Invalidations`.)
    pub fn scoping_report(&self) -> ScopingReport {
        let mut rows = Vec::new();
        for f in self.functions() {
            let entry = &self.functions[f.name];
            let names: Vec<&str> = f.params.iter().map(|p| p.name).collect();
            for a in &entry.affects {
                let scoped_by: Vec<String> = a
                    .rule()
                    .pairs(&names)
                    .into_iter()
                    .map(|(k, _)| k.to_owned())
                    .collect();
                let tier = if scoped_by.is_empty() {
                    Tier::Whole
                } else {
                    Tier::Matched
                };
                let explicit = f.injected.contains(&"Invalidations");
                let warning = (tier == Tier::Whole
                    && !explicit
                    && !names.is_empty()
                    && !a.context_params.is_empty())
                    .then(|| {
                        format!(
                            "`{}` has params ({}) but none matches a param of context `{}` ({}); it invalidates the whole context. Rename a param or map it: affects = {}(<context param> = <fn param>)",
                            f.name,
                            names.join(", "),
                            a.context,
                            a.context_params.join(", "),
                            a.context.to_uppercase(),
                        )
                    });
                rows.push(ScopingRow {
                    function: f.name.to_owned(),
                    context: a.context.to_owned(),
                    explicit,
                    tier,
                    scoped_by,
                    warning,
                });
            }
        }
        ScopingReport { rows }
    }
}

/// The static scoping of every mutation (see [`Registry::scoping_report`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScopingReport {
    /// One row per mutation and affected context, sorted by function.
    pub rows: Vec<ScopingRow>,
}

/// How one mutation scopes one context.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScopingRow {
    /// The mutation.
    pub function: String,
    /// The affected context.
    pub context: String,
    /// The function takes `Invalidations`: it may name its own targets
    /// (tier 1), which replace the tier below for the contexts it names.
    pub explicit: bool,
    /// `Matched` (tier 2) or `Whole` (tier 3). Tier 1 is decided per call.
    pub tier: Tier,
    /// The context params the mutation scopes by.
    pub scoped_by: Vec<String>,
    /// Set when a mutation with params falls to tier 3.
    pub warning: Option<String>,
}

impl ScopingReport {
    /// The warnings only.
    pub fn warnings(&self) -> impl Iterator<Item = &str> {
        self.rows.iter().filter_map(|r| r.warning.as_deref())
    }
}

impl std::fmt::Display for ScopingReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for row in &self.rows {
            write!(f, "{} -> {}: ", row.function, row.context)?;
            if row.explicit {
                write!(f, "tier 1 when it names targets, else ")?;
            }
            match row.tier {
                Tier::Whole => writeln!(f, "tier 3 (whole context)")?,
                _ => writeln!(f, "tier 2 on {}", row.scoped_by.join(", "))?,
            }
            if let Some(w) = &row.warning {
                writeln!(f, "  warning: {w}")?;
            }
        }
        Ok(())
    }
}
