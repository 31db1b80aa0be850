//! The app binary of the workspace layout, done right: one line names the
//! api crate so the linker keeps its `#[client]` functions.

use mizan_test_split_api as _;

fn main() {
    mizan_test_split_app::run();
}
