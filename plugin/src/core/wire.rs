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
}

/// The name of the event that carries invalidations to the other webviews.
pub const INVALIDATE_EVENT: &str = "mizan://invalidate";

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
