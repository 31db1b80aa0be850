//! Binary results: a query that returns [`Bytes`] answers them raw.

use std::ops::Deref;

use serde::Serialize;
use specta::{datatype::DataType, Generics, TypeCollection};

use crate::core::{
    call::{output_unit, set_raw, ClientResult, Outcome},
    ir::{marker, BYTES_MARK},
};

/// Bytes a query returns: the webview receives them raw (a
/// `tauri::ipc::Response`, no JSON array), typed `Uint8Array` by the
/// generated client. Only a query (no `context`, no `affects`) may return
/// them, as `Bytes` or `Result<Bytes, E>`: an answer without JSON has no
/// room for invalidation targets, and a query has none.
///
/// ```no_run
/// use tauri_plugin_mizan::{client, Bytes};
///
/// #[client]
/// fn thumbnail(photo_id: u32) -> Result<Bytes, String> {
///     std::fs::read(format!("{photo_id}.png")).map(Bytes::from).map_err(|e| e.to_string())
/// }
/// # fn main() {}
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Bytes(Vec<u8>);

impl Bytes {
    /// The bytes, owned.
    pub fn into_vec(self) -> Vec<u8> {
        self.0
    }
}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bytes({} bytes)", self.0.len())
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(bytes: Vec<u8>) -> Self {
        Bytes(bytes)
    }
}

impl From<&[u8]> for Bytes {
    fn from(bytes: &[u8]) -> Self {
        Bytes(bytes.to_vec())
    }
}

impl Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

/// Outside a `#[client]` result (another serializer): a byte sequence.
impl Serialize for Bytes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

/// Written as the IR type `bytes`.
impl specta::Type for Bytes {
    fn inline(_: &mut TypeCollection, _: Generics) -> DataType {
        DataType::Struct(marker(BYTES_MARK))
    }
}

/// The outcome of a function that returns `Bytes`: the bytes go aside
/// (the dispatcher answers them raw), the JSON result is `null`.
pub fn output_bytes(bytes: Bytes) -> Outcome {
    set_raw(bytes.0);
    output_unit()
}

/// The outcome of a function that returns `Result<Bytes, E>`.
pub fn output_bytes_result<R: ClientResult<Ok = Bytes>>(result: R) -> Outcome {
    match result.into_result() {
        Ok(bytes) => output_bytes(bytes),
        Err(e) => crate::core::call::output_result(Err::<(), _>(e)),
    }
}
