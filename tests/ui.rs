//! `#[client]` misuse is a compile error at the user's span; every form of
//! the attribute compiles. The expected messages are pinned in `tests/ui/`.
#![allow(missing_docs)]

#[test]
fn client_attribute() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
