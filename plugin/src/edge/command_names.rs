// This file is also compiled by the crate's build script, which generates
// one permission per command from this list.

/// Every IPC command of the plugin. The permissions under `permissions/`
/// are generated from this list, and access entries are collected from
/// the scopes of each.
pub(crate) const COMMANDS: &[&str] = &[
    "call",
    "ctx",
    "ir",
    // Forms (docs/protocol.md: "Forms").
    "validate",
    // Uploads (docs/protocol.md: "Uploads and binary results").
    "upload",
    "upload_begin",
    "upload_chunk",
    "upload_cancel",
    // Streams (docs/protocol.md: "Streams").
    "stream",
    "stream_ack",
    "stream_cancel",
    // First-paint hydration (docs/protocol.md: "First-paint hydration").
    "since",
    // The plugin's notices to a page, through its channel.
    "listen",
];
