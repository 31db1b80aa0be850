use tauri_plugin_mizan::{client, StreamSink};

#[client]
async fn ticks(out: StreamSink) {}

fn main() {}
