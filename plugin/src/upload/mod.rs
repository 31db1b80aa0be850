//! Uploads and binary results (docs/protocol.md: "Uploads and binary results").
//!
//! An [`Upload`] param travels as a raw IPC body, never as JSON: the
//! function name, the JSON args and the files' names, types and sizes
//! travel in the `mizan-upload` header (percent-encoded JSON), the bytes
//! of every file one after the other in the body. Above a chunk size the
//! webview sends them in chunks, one IPC message each (`upload_begin`,
//! `upload_chunk`, `upload_cancel`), and the plugin assembles them in
//! memory before the function runs. A query that returns [`Bytes`]
//! answers them raw (`tauri::ipc::Response`), without JSON.
//!
//! The rest of the plugin sees an upload as an ordinary call: the args
//! hold a placeholder (`{"$upload": <index>}`) where a file goes, and
//! [`Upload`]'s `Deserialize` takes the file from the call's files. Access
//! and auth are the dispatcher's, as for `call`.

pub(crate) mod binary;
pub(crate) mod commands;
pub(crate) mod files;
pub(crate) mod frame;
pub(crate) mod pending;
pub(crate) mod served;

pub use binary::Bytes;
pub use files::Upload;

/// The script every webview runs first: the upload limit
/// (`max_upload_bytes`), so the generated client refuses a larger upload
/// before sending it.
pub(crate) fn limits_script(max_upload_bytes: usize) -> String {
    format!(
        "Object.defineProperty(window, '__MIZAN_UPLOAD__', {{ value: Object.freeze({{ maxBytes: {max_upload_bytes} }}) }});"
    )
}
