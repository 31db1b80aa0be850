//! The generated file is found from the crate's folder, whatever the
//! working directory (its own test binary: the directory is per process).

#[test]
fn the_check_does_not_depend_on_the_working_directory() {
    std::env::set_current_dir(std::env::temp_dir()).unwrap();
    let path = mizan_test_plain_app::CLIENT.path();
    assert_eq!(
        path,
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("client/mizan.gen.ts")
    );
    mizan_test_plain_app::CLIENT.assert_current();
}
