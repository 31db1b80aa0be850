//! The success shapes of the wire: `call`'s envelope, `ctx`'s bundle, and
//! the `mizan://invalidate` event. (Errors: [`WireError`].)

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{value::RawValue, Value};

use crate::core::{
    error::WireError,
    scoping::{Params, Target},
};

/// The success answer of `call`.
#[derive(Debug, Serialize, specta::Type)]
pub struct Envelope {
    /// The function's result.
    #[specta(type = Value)]
    pub result: Box<RawValue>,
    /// What the call invalidated; empty for queries and context functions.
    pub invalidate: Vec<Target>,
    /// Single-flight refresh (docs/protocol.md: "Single-flight refresh"): the bundles of the request's
    /// `refresh` list that `invalidate` reaches, computed after the call in
    /// the same round trip. Absent when the request listed none.
    // Typed as the list: absent is what `None` means on the wire (never
    // `null`), and skip_serializing_if marks the field optional.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[specta(type = Vec<Bundle>)]
    pub bundles: Option<Vec<Bundle>>,
}

/// The success answer of `ctx`: one bundle, possibly partial.
#[derive(Debug, Serialize, specta::Type)]
pub struct Bundle {
    /// The context's name.
    pub context: String,
    /// The canonical params of the bundle.
    pub params: Params,
    /// Each context function's result, by function name.
    #[specta(type = BTreeMap<String, Value>)]
    pub data: BTreeMap<&'static str, Box<RawValue>>,
    /// Each failed context function's error, by function name.
    #[specta(type = BTreeMap<String, WireError>)]
    pub errors: BTreeMap<&'static str, WireError>,
    /// Each cached function whose value in `data` is a stored one standing
    /// in for a failed run, by function name; absent when none is.
    // `default` after `skip_serializing_if`: specta reads the last one and
    // marks the field optional, as it is on the wire.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    #[specta(type = BTreeMap<String, Stale>)]
    pub stale: BTreeMap<&'static str, Stale>,
}

/// What a bundle says of a cached function whose last stored value stood in
/// for a failed run (`Err`, panic or timeout):
/// `"stale": {"<fn>": {"stored_at": <unix ms>, "error": <wire error>}}`.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct Stale {
    /// Unix ms when the value served was stored.
    pub stored_at: u64,
    /// Why the function's run failed.
    pub error: WireError,
}

/// The name of the event that carries invalidations to the other webviews.
pub const INVALIDATE_EVENT: &str = "mizan://invalidate";

/// Sent to every webview when who is signed in changes (sign-in, sign-out,
/// another user), with a [`jwt::IdentityChange`](crate::jwt::IdentityChange)
/// payload. It never carries a token.
pub const IDENTITY_EVENT: &str = "mizan://identity";

/// The payload of [`INVALIDATE_EVENT`].
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct InvalidateEvent {
    /// Sorted, without duplicates.
    pub targets: Vec<Target>,
    /// The label of the webview whose call caused it; `null` when the app
    /// invalidated on its own.
    pub source: Option<String>,
    /// Increases by one with every event the plugin sends.
    pub seq: u64,
}
