//! The baseline of the dispatch benchmarks: a plain Tauri plugin whose one
//! command has the same body as the benchmarked `add`, so it takes the same
//! plugin routing and ACL path as Mizan's `call`, without Mizan.

use tauri::{
    plugin::TauriPlugin,
    test::MockRuntime,
    utils::acl::manifest::{Manifest, PermissionFile},
};

/// What the webview invokes to reach it.
pub(crate) const PLUGIN_ADD: &str = "plugin:plain|plugin_add";

#[tauri::command]
fn plugin_add(a: i64, b: i64) -> i64 {
    a + b
}

/// The plugin, named `plain`.
pub(crate) fn plugin() -> TauriPlugin<MockRuntime> {
    tauri::plugin::Builder::new("plain")
        .invoke_handler(tauri::generate_handler![plugin_add])
        .build()
}

/// Its ACL manifest: `plain:default` allows `plugin_add`.
pub(crate) fn manifest() -> Manifest {
    let file: PermissionFile = toml::from_str(
        r#"
        [default]
        permissions = ["allow-plugin-add"]
        [[permission]]
        identifier = "allow-plugin-add"
        commands.allow = ["plugin_add"]
        "#,
    )
    .unwrap();
    Manifest::new(vec![file], None)
}
