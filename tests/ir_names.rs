#![allow(missing_docs, unreachable_pub)]
//! Names through the whole chain (`#[client]`, the registry, the IR text,
//! the generator): two Rust types with one wire name fail with both
//! places; hostile names (a context name, serde renames) stay inside the
//! comments and strings of the generated module; letters beyond ASCII stay
//! in TypeScript names, and a clash names both functions. (Its own test
//! binary, so the fixture registry of `tests/ir.rs` stays valid.)
//!
//! `tests/golden/names.ts` pins the hostile module; `tests/ts` type-checks
//! it against `tauri-plugin-mizan-api`.

#[path = "golden/mod.rs"]
mod golden;

use tauri_plugin_mizan::ir::IrError;
use tauri_plugin_mizan::registry::{ClientFn, Registry};
use tauri_plugin_mizan::{
    client,
    codegen::{GenError, TsOptions},
    Context,
};

mod billing {
    #[derive(serde::Serialize, specta::Type)]
    pub struct Account {
        pub iban: String,
    }
}

mod social {
    #[derive(serde::Serialize, specta::Type)]
    pub struct Account {
        pub handle: String,
    }
}

#[client]
fn billing_account() -> billing::Account {
    billing::Account {
        iban: String::new(),
    }
}

#[client]
fn social_account() -> social::Account {
    social::Account {
        handle: String::new(),
    }
}

/// The registry of the functions named `names`.
fn registry(names: &[&str]) -> Registry {
    let fns: Vec<&'static ClientFn> = tauri_plugin_mizan::__private::inventory::iter::<ClientFn>()
        .filter(|f| names.contains(&f.name))
        .collect();
    assert_eq!(fns.len(), names.len());
    Registry::from_functions(fns).unwrap()
}

#[test]
fn two_types_with_one_name_fail_with_both_places() {
    let err = registry(&["billing_account", "social_account"])
        .ir()
        .unwrap_err();
    let IrError::DuplicateTypeName {
        name,
        first,
        second,
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(name, "Account");
    assert!(
        first.contains("ir_names.rs") && second.contains("ir_names.rs"),
        "{err}"
    );
    assert_ne!(first, second);
    assert!(err.to_string().contains("#[serde(rename"), "{err}");
}

// Hostile names ------------------------------------------------------------------

pub const HOSTILE: Context = Context::new("ctx*/ alert(2); /*");

/// A note. Its doc ends a comment: */ alert(3); /*
#[derive(serde::Serialize, serde::Deserialize, specta::Type)]
pub struct Note {
    #[serde(rename = "*/ globalThis.pwned = 1; /*")]
    body: String,
    #[serde(rename = "it's \"quoted\"\n\u{2028}")]
    quoted: u8,
}

#[derive(serde::Serialize, serde::Deserialize, specta::Type)]
#[serde(tag = "*/kind", content = "'c")]
pub enum Mark {
    #[serde(rename = "a*/b")]
    Star,
    #[serde(rename = "`${x}`")]
    Template(u8),
}

#[client(context = HOSTILE)]
fn hostile_note(note_id: u32) -> Note {
    Note {
        body: note_id.to_string(),
        quoted: 0,
    }
}

#[client(affects = HOSTILE, auth = "admin*/ alert(4); /*")]
fn hostile_mark(note_id: u32, mark: Mark) {
    let _ = (note_id, mark);
}

/// The module's code outside comments and string literals, and whether
/// every block comment ends its line (a name that closed one early would
/// leave code after its `*/`).
fn code_of(ts: &str) -> (String, bool) {
    let mut code = String::new();
    let mut comments_end_lines = true;
    let mut chars = ts.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'*') => {
                let mut prev = '\0';
                for c in chars.by_ref() {
                    if prev == '*' && c == '/' {
                        break;
                    }
                    prev = c;
                }
                comments_end_lines &= chars.peek() == Some(&'\n');
            }
            '/' if chars.peek() == Some(&'/') => {
                while chars.peek().is_some_and(|c| *c != '\n') {
                    chars.next();
                }
            }
            '\'' | '"' => {
                while let Some(s) = chars.next() {
                    match s {
                        '\\' => {
                            chars.next();
                        }
                        s if s == c => break,
                        _ => {}
                    }
                }
                code.push_str("''");
            }
            c => code.push(c),
        }
    }
    (code, comments_end_lines)
}

#[test]
fn hostile_names_stay_inside_comments_and_strings() {
    let ts = registry(&["hostile_note", "hostile_mark"])
        .client_ts(&TsOptions::default())
        .unwrap();
    let (code, comments_end_lines) = code_of(&ts);
    assert!(comments_end_lines, "a comment ends early:\n{ts}");
    for word in ["alert", "pwned", "globalThis", "${"] {
        assert!(!code.contains(word), "`{word}` runs as code:\n{ts}");
    }
    assert!(ts.contains("/** Params of context `ctx*\\/ alert(2); /*`. */"));
    assert!(ts
        .contains("$mizan.defineContext<CtxAlert2Params, CtxAlert2Bundle>('ctx*/ alert(2); /*');"));
    assert!(ts.contains("'*/ globalThis.pwned = 1; /*': string;"));
    assert!(ts.contains("'it\\'s \"quoted\"\\n\\u2028': number;"));
    golden::check("names.ts", &ts);
}

// Letters beyond ASCII -------------------------------------------------------------

#[client]
fn größe(maß: u32) -> u32 {
    maß
}

#[client]
fn get_größe() -> u32 {
    0
}

#[client]
#[allow(non_snake_case)]
fn getGröße() -> u32 {
    0
}

#[test]
fn letters_beyond_ascii_stay_in_typescript_names() {
    let ts = registry(&["größe", "get_größe"])
        .client_ts(&TsOptions::default())
        .unwrap();
    assert!(
        ts.contains(
            "export function größe(args: GrößeArgs, client?: $mizan.MizanClient): Promise<number>"
        ),
        "{ts}"
    );
    assert!(ts.contains("export type GrößeArgs = {\n  maß: number;\n};"));
    assert!(ts.contains("export function getGröße(args: GetGrößeArgs = {}"));
    assert!(ts.contains("$mizan.call<number, GrößeError>('größe', args)"));
}

#[test]
fn a_clash_in_typescript_names_both_functions() {
    let err = registry(&["get_größe", "getGröße"])
        .client_ts(&TsOptions::default())
        .unwrap_err();
    let tauri_plugin_mizan::ir::ExportError::Generate(GenError::NameClash {
        name,
        first,
        second,
    }) = &err
    else {
        panic!("{err}")
    };
    assert!(
        name.starts_with("getGröße") || name.starts_with("GetGröße"),
        "{err}"
    );
    let both = format!("{first} {second}");
    assert!(
        both.contains("`get_größe`") && both.contains("`getGröße`"),
        "{err}"
    );
}
