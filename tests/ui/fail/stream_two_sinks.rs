use tauri_plugin_mizan::{client, StreamSink};

#[client]
async fn ticks(a: StreamSink<u32>, b: StreamSink<u32>) {}

fn main() {}
