//! The scoping rule against the shared test vectors, and a property test
//! that an invalidation is never narrower than the rule.
#![allow(missing_docs)]

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde::Deserialize;
use serde_json::{json, Value};
use tauri_plugin_mizan::scoping::reaches;
use tauri_plugin_mizan::{
    scoping::{compute_targets, AffectRule, Params, Tier},
    Target,
};

#[derive(Deserialize)]
struct Vectors {
    reach: Vec<ReachCase>,
    tiers: Vec<TierCase>,
}

#[derive(Deserialize)]
struct Bundle {
    context: String,
    params: Params,
}

#[derive(Deserialize)]
struct ReachCase {
    name: String,
    target: Target,
    bundle: Bundle,
    reaches: bool,
}

#[derive(Deserialize)]
struct TierCase {
    name: String,
    contexts: BTreeMap<String, Vec<String>>,
    mutation: Mutation,
    targets: Vec<Target>,
    tiers: BTreeMap<String, u8>,
}

#[derive(Deserialize)]
struct Mutation {
    args: serde_json::Map<String, Value>,
    affects: Vec<AffectCase>,
    #[serde(default)]
    explicit: Vec<Target>,
}

#[derive(Deserialize)]
struct AffectCase {
    context: String,
    #[serde(default)]
    map: BTreeMap<String, String>,
}

fn vectors() -> Vectors {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/scoping.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn every_reach_vector() {
    let v = vectors();
    assert!(!v.reach.is_empty());
    for case in v.reach {
        assert_eq!(
            reaches(&case.target, &case.bundle.context, &case.bundle.params),
            case.reaches,
            "{}",
            case.name
        );
    }
}

#[test]
fn every_tier_vector() {
    let v = vectors();
    assert!(!v.tiers.is_empty());
    for case in v.tiers {
        // Canonical args: nulls are left out, as the plugin does.
        let args: Params = case
            .mutation
            .args
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .collect();
        let context_params: BTreeMap<&str, Vec<&str>> = case
            .contexts
            .iter()
            .map(|(c, ps)| (c.as_str(), ps.iter().map(String::as_str).collect()))
            .collect();
        let maps: Vec<Vec<(&str, &str)>> = case
            .mutation
            .affects
            .iter()
            .map(|a| {
                a.map
                    .iter()
                    .map(|(k, p)| (k.as_str(), p.as_str()))
                    .collect()
            })
            .collect();
        let rules: Vec<AffectRule<'_>> = case
            .mutation
            .affects
            .iter()
            .zip(&maps)
            .map(|(a, map)| AffectRule {
                context: &a.context,
                context_params: &context_params[a.context.as_str()],
                map,
            })
            .collect();
        let (targets, tiers) = compute_targets(&rules, &args, case.mutation.explicit);
        assert_eq!(targets, case.targets, "{}", case.name);
        let tiers: BTreeMap<String, u8> = tiers.into_iter().map(|(c, t)| (c, t as u8)).collect();
        assert_eq!(tiers, case.tiers, "{}", case.name);
    }
}

#[test]
fn targets_come_sorted_and_without_duplicates() {
    let rule = AffectRule {
        context: "b",
        context_params: &["id"],
        map: &[],
    };
    let explicit = vec![
        Target::new("c", json!({"x": 2})),
        Target::new("a", json!({"x": 10})),
        Target::new("c", json!({"x": 2})),
        Target::new("a", json!({"x": 9})),
    ];
    let (targets, tiers) = compute_targets(&[rule], &Params::new(), explicit);
    let order: Vec<String> = targets
        .iter()
        .map(|t| format!("{}{}", t.context, serde_json::to_string(&t.params).unwrap()))
        .collect();
    assert_eq!(
        order,
        [r#"a{"x":10}"#, r#"a{"x":9}"#, r#"b{}"#, r#"c{"x":2}"#]
    );
    assert_eq!(tiers["b"], Tier::Whole);
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0i64..4).prop_map(Value::from),
        "[ab]".prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        Just(Value::Null),
        (0i64..3).prop_map(|n| json!({"n": n})),
    ]
}

const NAMES: [&str; 5] = ["user_id", "org_id", "page", "id", "name"];

prop_compose! {
    fn case()(
        context_params in proptest::sample::subsequence(NAMES.to_vec(), 0..=4),
        args in proptest::collection::btree_map(proptest::sample::select(NAMES.to_vec()), value(), 0..5),
        bundle in proptest::collection::btree_map(proptest::sample::select(NAMES.to_vec()), value(), 0..5),
        map_id in any::<bool>(),
    ) -> (Vec<&'static str>, Params, Params, bool) {
        let args = args.into_iter().map(|(k, v)| (k.to_owned(), v)).filter(|(_, v)| !v.is_null()).collect();
        let bundle = bundle
            .into_iter()
            .filter(|(k, v)| context_params.contains(k) && !v.is_null())
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        (context_params, args, bundle, map_id)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Whenever a mutation may have changed a bundle, the targets reach it:
    /// the bundle was read with values the mutation did not pin to other
    /// values. Checked against this independent statement of docs/protocol.md: "Invalidation".
    #[test]
    fn an_invalidation_is_never_narrower_than_the_rule((context_params, args, bundle, map_id) in case()) {
        let map: Vec<(&str, &str)> = if map_id && context_params.contains(&"user_id") {
            vec![("user_id", "id")]
        } else {
            vec![]
        };
        let rule = AffectRule { context: "c", context_params: &context_params, map: &map };
        let (targets, _) = compute_targets(&[rule], &args, vec![]);
        let source = |k: &str| map.iter().find(|(c, _)| *c == k).map_or(k.to_owned(), |(_, p)| (*p).to_owned());
        let may_have_changed = context_params.iter().all(|k| {
            match (bundle.get(*k), args.get(&source(k))) {
                (Some(b), Some(a)) => a == b,
                _ => true,
            }
        });
        let reached = targets.iter().any(|t| reaches(t, "c", &bundle));
        if may_have_changed {
            prop_assert!(reached, "targets {:?} miss bundle {:?}", targets, bundle);
        }
        // And never for another context.
        prop_assert!(!targets.iter().any(|t| reaches(t, "other", &bundle)));
    }

    /// Explicit targets always reach what they name.
    #[test]
    fn explicit_targets_are_kept(values in proptest::collection::vec(value(), 1..4)) {
        let explicit: Vec<Target> = values.iter().map(|v| Target::new("c", json!({"k": v}))).collect();
        let (targets, tiers) = compute_targets(&[], &Params::new(), explicit.clone());
        for t in &explicit {
            prop_assert!(targets.contains(t));
        }
        prop_assert_eq!(tiers.get("c"), Some(&Tier::Explicit));
    }
}
