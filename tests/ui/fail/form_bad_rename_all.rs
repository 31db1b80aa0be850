// serde would refuse the rule too; the derive says which one it is.
#[derive(serde::Deserialize, tauri_plugin_mizan::Form)]
#[serde(rename_all = "camel_case")]
pub struct Signup {
    user_name: String,
}

fn main() {}
