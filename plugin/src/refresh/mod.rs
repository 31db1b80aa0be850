//! Single-flight refresh (docs/protocol.md: "Single-flight refresh"): a `call` may list the bundles its
//! webview holds (`"refresh": [{"context", "params"}, ...]`); once the
//! mutation ran and its targets were applied, the plugin computes those the
//! targets reach and answers them in the envelope's `"bundles"`, in the same
//! round trip, under the caller's access entries and identity.
//!
//! - `request`: reading the list (shape checks, the bound), before the call
//!   runs: a bad list is `invalid_args` and nothing runs.
//! - [`reached`]: which listed bundles the targets reach, and their answers,
//!   through the same path as `ctx` (access, auth guard, origin cache).
//!
//! The plugin tells guest-js it supports this in its initialization script
//! ([`features_script`]), so a client never sends `refresh` to a plugin
//! that would refuse it.

pub(crate) mod request;

use std::sync::Arc;

use crate::{
    core::{
        call::Caller,
        scoping::{reaches, Params, Target},
        wire::Bundle,
    },
    dispatch::{access::Access, request::CtxRequest, Dispatcher},
};
use request::RefreshKey;

/// The default of [`Builder::max_refresh`](crate::Builder::max_refresh).
pub(crate) const DEFAULT_MAX_REFRESH: usize = 32;

/// The bundles of `keys` that `targets` reach, computed now (after the
/// call, with its targets applied to the origin cache), in the order of
/// `keys`. A listed bundle that is unknown, has invalid params, or that
/// this window may not read is left out: the webview refetches it through
/// `ctx` and meets the error there.
pub(crate) async fn reached(
    dispatcher: &Dispatcher,
    caller: &Arc<dyn Caller>,
    access: &Access,
    targets: &[Target],
    keys: &[RefreshKey],
) -> Vec<Bundle> {
    if targets.is_empty() {
        return Vec::new();
    }
    let mut wanted: Vec<(&str, serde_json::Map<String, serde_json::Value>)> = Vec::new();
    for key in keys {
        let Ok(canonical) = dispatcher.bundle_params(&key.context, Some(&key.params)) else {
            continue;
        };
        let params: Params = canonical
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let hit = targets.iter().any(|t| reaches(t, &key.context, &params));
        let seen = wanted
            .iter()
            .any(|(c, p)| *c == key.context.as_str() && *p == canonical);
        if hit && !seen {
            wanted.push((key.context.as_str(), canonical));
        }
    }
    let runs = wanted.iter().map(|(context, params)| {
        let req = CtxRequest {
            context,
            params: Some(params),
        };
        dispatcher.bundle(caller, access, req)
    });
    futures_util::future::join_all(runs)
        .await
        .into_iter()
        .filter_map(Result::ok)
        .collect()
}

/// The part of the plugin's initialization script that tells guest-js
/// whether this plugin answers `refresh`, and how many keys it takes:
/// `window.__MIZAN_FEATURES__.refresh = {max}`. A plugin without it (or
/// with it off) sets no `refresh`, and the client never sends the key.
pub(crate) fn features_script(single_flight: bool, max_refresh: usize) -> String {
    let refresh = if single_flight {
        format!("refresh: Object.freeze({{ max: {max_refresh} }})")
    } else {
        String::new()
    };
    format!(
        "Object.defineProperty(window, '__MIZAN_FEATURES__', {{ value: Object.freeze({{ {refresh} }}) }});"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_says_what_the_plugin_answers() {
        assert!(features_script(true, 7).contains("refresh: Object.freeze({ max: 7 })"));
        assert!(!features_script(false, 7).contains("refresh"));
    }
}
