//! Generates the plugin's permissions (one per command) from the one list of
//! commands, and registers the JSON schema of the `mizan` scope entries.

#[path = "plugin/src/dispatch/access/entry.rs"]
#[allow(unreachable_pub, dead_code)]
mod entry;

/// Every IPC command of the plugin. Permissions under `permissions/` are
/// generated from this list.
const COMMANDS: &[&str] = &["call", "ctx", "ir"];

fn main() {
    tauri_plugin::Builder::new(COMMANDS)
        .global_scope_schema(schemars::schema_for!(entry::AccessEntry))
        .build();
}
