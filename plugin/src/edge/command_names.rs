// This file is also compiled by the crate's build script, which generates
// one permission per command from this list.

/// Every IPC command of the plugin. The permissions under `permissions/`
/// are generated from this list, and access entries are collected from
/// the scopes of each.
pub(crate) const COMMANDS: &[&str] = &[
    "call",
    "ctx",
    "ir",
    // Forms (SPEC 6.4).
    "validate",
    // Uploads (SPEC 6.2).
    "upload",
    "upload_begin",
    "upload_chunk",
    "upload_cancel",
    // Streams (SPEC 6.3).
    "stream",
    "stream_ack",
    "stream_cancel",
    // First-paint hydration (SPEC 6.7).
    "since",
    // The plugin's notices to a page, through its channel.
    "listen",
];
