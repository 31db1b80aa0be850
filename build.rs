//! Generates the plugin's permissions (one per command) from the one list of
//! commands (`plugin/src/edge/command_names.rs`), and registers the JSON schema of the `mizan` scope entries.

#[path = "plugin/src/dispatch/access/entry.rs"]
#[allow(unreachable_pub, dead_code)]
mod entry;

#[path = "plugin/src/edge/command_names.rs"]
mod command_names;

fn main() {
    tauri_plugin::Builder::new(command_names::COMMANDS)
        .global_scope_schema(schemars::schema_for!(entry::AccessEntry))
        .build();
}
