//! The app binary of the workspace layout with the line forgotten: the api
//! crate is a dependency, but nothing names it, so the linker drops it.

fn main() {
    mizan_test_split_app::run();
}
