use tauri_plugin_mizan::client;

type Fallible<T> = Result<T, String>;

#[client]
fn parse(text: String) -> Fallible<u32> {
    text.parse().map_err(|_| "not a number".to_owned())
}

fn main() {}
