use tauri_plugin_mizan::{client, StreamSink};

#[client]
fn ticks(out: StreamSink<u32>) {}

fn main() {}
