//! The reader and the generator stop at a bounded depth with a typed error
//! naming the line, whatever the text: deep nesting, long comments and the
//! malformed strings the KDL parser would recover from never reach a
//! recursion that could exhaust the stack.

use proptest::prelude::*;
use tauri_plugin_mizan_codegen::{
    generate_ts, ts_module, Auth, FnKind, Function, GenError, Ir, ReadError, TsOptions, Type,
    MAX_DEPTH,
};

fn nested_lists(levels: usize) -> String {
    let mut s = String::from("mizan-ir 1\nfunction f kind=query {\n    result {\n");
    s.push_str(&"list {\n".repeat(levels));
    s.push_str("u8\n");
    s.push_str(&"}\n".repeat(levels));
    s.push_str("}\n    auth none\n}\n");
    s
}

#[test]
fn twenty_thousand_nested_lists_are_refused_on_the_line_that_crosses_the_limit() {
    let err = Ir::from_kdl(&nested_lists(20_000)).unwrap_err();
    // Line 1 is the version, 2 the function, 3 its result: the list on
    // line 4 + k opens level 3 + k.
    assert_eq!(
        err,
        ReadError::TooDeep {
            line: 4 + MAX_DEPTH - 2,
            max: MAX_DEPTH
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "line {}: the IR nests deeper than {MAX_DEPTH} levels, the most the reader reads",
            4 + MAX_DEPTH - 2
        )
    );
    let gen = generate_ts(&nested_lists(20_000), &TsOptions::default()).unwrap_err();
    assert_eq!(gen, GenError::Read(err));
}

#[test]
fn nesting_up_to_the_limit_reads_and_generates() {
    let text = nested_lists(MAX_DEPTH - 2);
    let ir = Ir::from_kdl(&text).unwrap();
    assert_eq!(ir.to_kdl().lines().count(), text.lines().count());
    let ts = generate_ts(&text, &TsOptions::default()).unwrap();
    assert!(ts.contains(&format!("number{}", "[]".repeat(MAX_DEPTH - 2))));
}

#[test]
fn a_deep_model_is_refused_by_the_generator() {
    let mut ty = Type::Unit;
    for _ in 0..=MAX_DEPTH {
        ty = Type::List {
            item: Box::new(ty),
            length: None,
        };
    }
    let ir = Ir {
        functions: vec![Function {
            name: "f".into(),
            kind: FnKind::Query,
            params: vec![],
            result: ty,
            error: None,
            auth: Auth::None,
            capabilities: vec![],
            item: None,
            form: None,
            doc: None,
        }],
        ..Ir::default()
    };
    let err = ts_module(&ir, &TsOptions::default()).unwrap_err();
    assert_eq!(
        err,
        GenError::TooDeep {
            within: "function `f`".into(),
            max: MAX_DEPTH
        }
    );
}

#[test]
fn block_comments_are_not_read_at_all() {
    // The KDL parser recurses once per nested comment and per `*` or `/`
    // inside one: the reader reads `//` comments only.
    for text in [
        format!(
            "mizan-ir 1\n{}{}\n",
            "/*".repeat(20_000),
            "*/".repeat(20_000)
        ),
        format!("mizan-ir 1\n/* {} */\n", "* /".repeat(20_000)),
    ] {
        let err = Ir::from_kdl(&text).unwrap_err();
        assert!(matches!(err, ReadError::Syntax { line: 2, .. }), "{err}");
    }
    assert!(Ir::from_kdl("mizan-ir 1 // of 2024/05/01 * draft\n// more\n").is_ok());
}

/// Pieces of KDL, valid and not: braces, every kind of string and
/// comment, escapes good and bad, quotes glued to words.
const SOUP: &[&str] = &[
    "{", "{", "{", "{", "}", "\n", " ", "a", "list", "=", ";", "\"", "\"x\"", "\"\"\"\n", "#\"",
    "\"#", "##\"", "\"##", "#", "#true", "\\", "\\q", "\\u{", "\\u{41}", "/*", "*/", "//", "/-",
    "(", ")", "[", "\u{0}", "\u{2028}", "\r", "x\"", "\"y", "*", "/", "-", "1",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever the mix, reading ends with an IR or an error. The pieces
    /// include runs of 700 nested nodes after what could make a lexer think
    /// it is inside a string or a comment: the reader runs on a stack with
    /// room for about 500 levels of the KDL parser in a debug build, so a
    /// run the check missed crashes the test.
    #[test]
    fn any_soup_of_kdl_pieces_reads_or_fails_cleanly(
        pieces in proptest::collection::vec(
            prop_oneof![
                4 => proptest::sample::select(SOUP).prop_map(str::to_owned),
                1 => Just("n {\n".repeat(700)),
            ],
            0..24,
        )
    ) {
        let text = format!("mizan-ir 1\n{}", pieces.concat());
        if let Ok(ir) = Ir::from_kdl(&text) {
            let _ = ts_module(&ir, &TsOptions::default());
        }
    }
}
