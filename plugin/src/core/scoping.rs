//! The three tiers of invalidation (docs/protocol.md: "Invalidation") and the reach rule.
//!
//! This module is the one place where the scoping rule lives on the Rust
//! side: [`reaches`] decides whether a target reaches a bundle, and
//! [`compute_targets`] turns a mutation's received params into targets.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::core::canonical::canonical_json;

/// Canonical params: names to canonical JSON values, `None`s left out.
pub type Params = BTreeMap<String, Value>;

/// The bundles an invalidation reaches: a context and the params that scope
/// it. Empty params reach every bundle of the context.
///
/// ```
/// use tauri_plugin_mizan::Target;
/// let t = Target::new("user", serde_json::json!({"user_id": 5}));
/// assert_eq!(serde_json::to_string(&t).unwrap(), r#"{"context":"user","params":{"user_id":5}}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Target {
    /// The context's name.
    pub context: String,
    /// The params that scope the target.
    #[specta(type = BTreeMap<String, serde_json::Value>)]
    pub params: Params,
}

impl Target {
    /// A target from a context name and a JSON object of params. A value
    /// that is not an object means the whole context; `null` params are
    /// left out.
    pub fn new(context: impl Into<String>, params: Value) -> Self {
        let params = match params {
            Value::Object(map) => map.into_iter().filter(|(_, v)| !v.is_null()).collect(),
            _ => Params::new(),
        };
        Target {
            context: context.into(),
            params,
        }
    }

    /// The whole context.
    pub fn whole(context: impl Into<String>) -> Self {
        Target {
            context: context.into(),
            params: Params::new(),
        }
    }

    fn sort_key(&self) -> (&str, String) {
        (&self.context, canonical_json(&params_value(&self.params)))
    }
}

fn params_value(params: &Params) -> Value {
    Value::Object(params.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

/// Does `target` reach the bundle `(context, params)`?
///
/// Yes when the contexts are equal and, for every key of the target, the
/// bundle either lacks the key (absent means any value) or holds an equal
/// value.
///
/// ```
/// use tauri_plugin_mizan::Target;
/// use tauri_plugin_mizan::scoping::reaches;
/// use serde_json::json;
/// let t = Target::new("user", json!({"user_id": 5}));
/// let params = |v: serde_json::Value| serde_json::from_value(v).unwrap();
/// assert!(reaches(&t, "user", &params(json!({"user_id": 5}))));
/// assert!(reaches(&t, "user", &params(json!({}))));
/// assert!(!reaches(&t, "user", &params(json!({"user_id": 6}))));
/// ```
pub fn reaches(target: &Target, context: &str, params: &Params) -> bool {
    target.context == context
        && target
            .params
            .iter()
            .all(|(k, v)| params.get(k).is_none_or(|b| b == v))
}

/// Leaves out `null` params (canonical params carry none), sorts targets by
/// context, then by canonical params, and removes duplicates.
///
/// ```
/// use tauri_plugin_mizan::{scoping::normalize, Target};
/// let params = serde_json::from_value(serde_json::json!({"id": 1, "gone": null})).unwrap();
/// let mut targets = vec![Target { context: "c".into(), params }, Target::new("c", serde_json::json!({"id": 1}))];
/// normalize(&mut targets);
/// assert_eq!(targets, [Target::new("c", serde_json::json!({"id": 1}))]);
/// ```
pub fn normalize(targets: &mut Vec<Target>) {
    for t in targets.iter_mut() {
        t.params.retain(|_, v| !v.is_null());
    }
    targets.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    targets.dedup();
}

/// The tier a context landed in for one mutation call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Tier {
    /// The function named its own targets.
    Explicit = 1,
    /// Scoped by the mutation's params that match the context's params.
    Matched = 2,
    /// The whole context.
    Whole = 3,
}

/// One context a mutation affects, as the tiers need it.
#[derive(Debug, Clone, Copy)]
pub struct AffectRule<'a> {
    /// The context.
    pub context: &'a str,
    /// The context's params.
    pub context_params: &'a [&'a str],
    /// Declared `(context param, mutation param)` pairs.
    pub map: &'a [(&'a str, &'a str)],
}

impl AffectRule<'_> {
    /// The mutation param that scopes context param `k`: the declared
    /// mapping if there is one, else the param of the same name.
    fn source_of<'k>(&'k self, k: &'k str) -> &'k str {
        self.map
            .iter()
            .find(|(ctx_param, _)| *ctx_param == k)
            .map_or(k, |(_, fn_param)| fn_param)
    }

    /// The `(context param, mutation param)` pairs tier 2 scopes by, given
    /// the mutation's param names (static: the registry, the scoping report
    /// and the IR use it).
    pub fn pairs<'k>(&'k self, fn_params: &[&str]) -> Vec<(&'k str, &'k str)> {
        self.context_params
            .iter()
            .map(|k| (*k, self.source_of(k)))
            .filter(|(_, source)| fn_params.contains(source))
            .collect()
    }
}

/// The targets of one mutation call, with the tier of each context.
///
/// `args` are the mutation's canonical params (`None`s left out),
/// `explicit` the targets the function named itself (tier 1).
///
/// ```
/// use tauri_plugin_mizan::scoping::{compute_targets, AffectRule, Tier};
/// use serde_json::json;
/// let rule = AffectRule { context: "user", context_params: &["user_id"], map: &[("user_id", "id")] };
/// let args = serde_json::from_value(json!({"id": 5, "name": "Ada"})).unwrap();
/// let (targets, tiers) = compute_targets(&[rule], &args, vec![]);
/// assert_eq!(targets[0].params["user_id"], json!(5));
/// assert_eq!(tiers["user"], Tier::Matched);
/// ```
pub fn compute_targets(
    affects: &[AffectRule<'_>],
    args: &Params,
    explicit: Vec<Target>,
) -> (Vec<Target>, BTreeMap<String, Tier>) {
    let mut tiers = BTreeMap::new();
    for t in &explicit {
        tiers.insert(t.context.clone(), Tier::Explicit);
    }
    let mut targets = explicit;
    for rule in affects {
        if tiers.contains_key(rule.context) {
            continue;
        }
        let params: Params = rule
            .context_params
            .iter()
            .filter_map(|k| {
                let value = args.get(rule.source_of(k))?;
                (!value.is_null()).then(|| ((*k).to_owned(), value.clone()))
            })
            .collect();
        let tier = if params.is_empty() {
            Tier::Whole
        } else {
            Tier::Matched
        };
        tiers.insert(rule.context.to_owned(), tier);
        targets.push(Target {
            context: rule.context.to_owned(),
            params,
        });
    }
    normalize(&mut targets);
    (targets, tiers)
}
