use tauri_plugin_mizan::{client, StreamSink};

#[client]
async fn ticks(out: StreamSink<u32>) -> u32 {
    out.send(1).await;
    1
}

fn main() {}
