use tauri_plugin_mizan::{client, Context, StreamSink};

pub const FEED: Context = Context::new("feed");

#[client(context = FEED)]
async fn ticks(out: StreamSink<u32>) {}

fn main() {}
