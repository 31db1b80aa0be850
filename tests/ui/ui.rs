//! `#[client]` and `#[derive(Shape)]` misuse is a compile error at the user's span, with a message
//! that says what to write instead; the messages are pinned in `fail/`
//! (`TRYBUILD=overwrite cargo test -p tauri-plugin-mizan-ui-tests --test ui`
//! rewrites them). Every form that compiles is `pass/every_form.rs`, a test
//! of its own.
//!
//! With failing cases only, trybuild checks them (`cargo check`, no code
//! generation) in a single cargo run.

#[test]
fn client_attribute_misuse() {
    trybuild::TestCases::new().compile_fail("fail/*.rs");
}
