// A flattened field has no path of its own: its errors could not be placed.
#[derive(serde::Deserialize, tauri_plugin_mizan::Form)]
pub struct Signup {
    name: String,
    #[serde(flatten)]
    address: Address,
}

#[derive(serde::Deserialize)]
pub struct Address {
    zip: String,
}

fn main() {}
