//! TypeScript names: the identifiers the generator derives from wire names
//! (`update_profile` -> `updateProfile`, `UpdateProfileArgs`; `user` ->
//! `USER`, `UserParams`), the checks on names it writes as they are (named
//! types, type params), and the claim of every name in one namespace so
//! that two items never share one.
//!
//! Identifiers keep letters beyond ASCII (`größe` -> `größe`, `GrößeArgs`)
//! where every TypeScript and JavaScript engine reads them as identifier
//! characters: the letters of the scripts in [`is_settled`]. Any other
//! letter or digit is written as its code point (`_x1E900_`), and other
//! characters separate words, so every derived name is a valid identifier.

use std::collections::BTreeMap;

use crate::{
    error::GenError,
    model::{FnKind, Ir, Type},
};

/// The names of one function's TypeScript items.
pub(super) struct FnNames {
    pub(super) function: String,
    pub(super) args: String,
    pub(super) error: String,
    /// False when the error type already has the alias's name.
    pub(super) error_alias: bool,
    /// The form schema constant, for a function that takes a form.
    pub(super) form: Option<String>,
}

/// The names of one context's TypeScript items.
pub(super) struct CtxNames {
    pub(super) descriptor: String,
    pub(super) params: String,
    pub(super) bundle: String,
}

/// Every name the module declares, checked and unique.
pub(super) struct Names<'a> {
    pub(super) functions: BTreeMap<&'a str, FnNames>,
    pub(super) contexts: BTreeMap<&'a str, CtxNames>,
    /// The descriptor constant of each Shape, by type name.
    pub(super) shapes: BTreeMap<&'a str, String>,
}

/// Names the generated code uses from outside itself.
const GLOBALS: &[&str] = &["Promise", "$mizan", "undefined"];

impl<'a> Names<'a> {
    pub(super) fn new(ir: &'a Ir) -> Result<Self, GenError> {
        let mut taken: BTreeMap<String, String> = BTreeMap::new();
        let mut claim = |name: &str, what: String| -> Result<(), GenError> {
            if let Some(first) = taken.get(name) {
                return Err(GenError::NameClash {
                    name: name.to_owned(),
                    first: first.clone(),
                    second: what,
                });
            }
            taken.insert(name.to_owned(), what);
            Ok(())
        };
        for global in GLOBALS {
            claim(global, format!("the global `{global}` the module uses"))?;
        }
        for t in &ir.types {
            if !is_type_name(&t.name) {
                return Err(GenError::BadName {
                    name: t.name.clone(),
                    what: "a named type".into(),
                });
            }
            for g in &t.generics {
                if !is_type_name(g) || ir.type_def(g).is_some() {
                    return Err(GenError::BadName {
                        name: g.clone(),
                        what: format!("a type param of type `{}`", t.name),
                    });
                }
            }
            claim(&t.name, format!("type `{}`", t.name))?;
        }
        let mut shapes = BTreeMap::new();
        for t in ir.types.iter().filter(|t| t.shape.is_some()) {
            let descriptor = format!("{}Shape", t.name);
            claim(&descriptor, format!("the shape of type `{}`", t.name))?;
            shapes.insert(t.name.as_str(), descriptor);
        }
        let mut contexts = BTreeMap::new();
        for c in &ir.contexts {
            let pascal = pascal(&c.name);
            let n = CtxNames {
                descriptor: screaming(&c.name),
                params: format!("{pascal}Params"),
                bundle: format!("{pascal}Bundle"),
            };
            claim(
                &n.descriptor,
                format!("the descriptor of context `{}`", c.name),
            )?;
            claim(&n.params, format!("the params of context `{}`", c.name))?;
            claim(&n.bundle, format!("the bundle of context `{}`", c.name))?;
            contexts.insert(c.name.as_str(), n);
        }
        let mut functions = BTreeMap::new();
        for f in &ir.functions {
            let pascal = pascal(&f.name);
            let error = format!("{pascal}Error");
            let error_alias = !matches!(&f.error, Some(Type::Ref { name, args }) if *name == error && args.is_empty());
            let n = FnNames {
                function: camel(&f.name),
                args: format!("{pascal}Args"),
                error,
                error_alias,
                form: (f.form.is_some() && !matches!(f.kind, FnKind::Context { .. }))
                    .then(|| format!("{}Form", camel(&f.name))),
            };
            if let Some(form) = &n.form {
                claim(form, format!("the form schema of function `{}`", f.name))?;
            }
            if n.error_alias {
                claim(&n.error, format!("the error type of function `{}`", f.name))?;
            }
            if !matches!(f.kind, FnKind::Context { .. }) {
                claim(&n.function, format!("function `{}`", f.name))?;
                claim(&n.args, format!("the args of function `{}`", f.name))?;
            }
            functions.insert(f.name.as_str(), n);
        }
        Ok(Names {
            functions,
            contexts,
            shapes,
        })
    }
}

const RESERVED: &[&str] = &[
    "arguments",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "eval",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

const TYPE_RESERVED: &[&str] = &[
    "any",
    "bigint",
    "boolean",
    "never",
    "number",
    "object",
    "string",
    "symbol",
    "undefined",
    "unknown",
];

/// Letters (and digits, combining marks) beyond ASCII that a TypeScript
/// identifier keeps: those of the Latin, Greek, Cyrillic, Armenian, Hebrew,
/// Arabic, Devanagari, Thai, Georgian and Hangul scripts, the kana, and the
/// CJK ideographs of Unicode 8, all encoded long before any TypeScript or
/// JavaScript engine in use was written, and identifier characters
/// (`XID_Continue`) themselves.
pub(super) fn is_settled(c: char) -> bool {
    matches!(c as u32,
        0x00C0..=0x024F // Latin-1 letters, Latin Extended-A and -B
        | 0x0300..=0x036F // combining diacritical marks
        | 0x0370..=0x03FF // Greek
        | 0x0400..=0x04FF // Cyrillic
        | 0x0531..=0x0587 // Armenian
        | 0x05D0..=0x05EA // Hebrew letters
        | 0x0620..=0x064A | 0x0660..=0x0669 // Arabic letters, digits
        | 0x0900..=0x0977 // Devanagari
        | 0x0E01..=0x0E5B // Thai
        | 0x10A0..=0x10C5 | 0x10D0..=0x10FA // Georgian
        | 0x1100..=0x11FF | 0xAC00..=0xD7A3 // Hangul
        | 0x1E00..=0x1FFF // Latin Extended Additional, Greek Extended
        | 0x3041..=0x3096 | 0x309D..=0x309F // Hiragana
        | 0x30A1..=0x30FA | 0x30FC..=0x30FF // Katakana
        | 0x4E00..=0x9FD5 // CJK Unified Ideographs
    ) && unicode_ident::is_xid_continue(c)
}

fn is_start(c: char) -> bool {
    c.is_ascii_alphabetic()
        || c == '_'
        || c == '$'
        || (is_settled(c) && unicode_ident::is_xid_start(c))
}

fn is_continue(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$' || is_settled(c)
}

/// Made of identifier characters that every TypeScript engine reads (a
/// property name may be a reserved word).
pub(super) fn is_ident_chars(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(is_start) && chars.all(is_continue)
}

/// An identifier that every TypeScript engine reads, not a reserved word.
pub(super) fn is_ident(s: &str) -> bool {
    is_ident_chars(s) && !RESERVED.contains(&s)
}

/// A name a type may have: an identifier that is not a built-in type.
fn is_type_name(s: &str) -> bool {
    is_ident(s) && !TYPE_RESERVED.contains(&s)
}

/// Letters, digits and the marks that combine with them.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || (!c.is_ascii() && unicode_ident::is_xid_continue(c))
}

/// The words of a name: runs of letters and digits, split where a lower
/// case letter or digit is followed by an upper case one.
fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if !is_word_char(c) {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_numeric();
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `c` in upper or lower case, where that stays within the characters an
/// identifier keeps (Georgian, for one, has upper case letters only since
/// Unicode 11: it keeps its letters as they are).
fn cased(c: char, upper: bool) -> String {
    let mapped: String = if upper {
        c.to_uppercase().collect()
    } else {
        c.to_lowercase().collect()
    };
    if mapped
        .chars()
        .all(|m| m.is_ascii_alphanumeric() || is_settled(m))
    {
        mapped
    } else {
        c.to_string()
    }
}

/// `w` with its first letter upper case and the rest lower case.
fn capitalize(w: &str) -> String {
    let mut chars = w.chars();
    match chars.next() {
        Some(first) => cased(first, true) + &lower(chars.as_str()),
        None => String::new(),
    }
}

fn lower(w: &str) -> String {
    w.chars().map(|c| cased(c, false)).collect()
}

fn upper(w: &str) -> String {
    w.chars().map(|c| cased(c, true)).collect()
}

/// Writes letters and digits an identifier does not keep as their code
/// points, and makes sure the name starts like an identifier and is no
/// reserved word.
fn finish(s: String) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_continue(c) {
            out.push(c);
        } else {
            out.push_str(&format!("_x{:X}_", c as u32));
        }
    }
    if !out.starts_with(is_start) {
        out.insert(0, '_');
    }
    if RESERVED.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// `update_profile` -> `updateProfile`.
pub(super) fn camel(s: &str) -> String {
    let mut out = String::new();
    for (i, w) in words(s).iter().enumerate() {
        if i == 0 {
            out.push_str(&lower(w));
        } else {
            out.push_str(&capitalize(w));
        }
    }
    finish(out)
}

/// `update_profile` -> `UpdateProfile`.
pub(super) fn pascal(s: &str) -> String {
    finish(words(s).iter().map(|w| capitalize(w)).collect())
}

/// `user_posts` -> `USER_POSTS`.
pub(super) fn screaming(s: &str) -> String {
    finish(
        words(s)
            .iter()
            .map(|w| upper(w))
            .collect::<Vec<_>>()
            .join("_"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typescript_names() {
        assert_eq!(camel("update_profile"), "updateProfile");
        assert_eq!(camel("hello"), "hello");
        assert_eq!(camel("getHTTPStatus"), "getHttpstatus");
        assert_eq!(camel("delete"), "delete_");
        assert_eq!(camel("2fa_check"), "_2faCheck");
        assert_eq!(pascal("user_posts"), "UserPosts");
        assert_eq!(screaming("user"), "USER");
        assert_eq!(screaming("userPosts"), "USER_POSTS");
        assert_eq!(screaming("team-members"), "TEAM_MEMBERS");
    }

    #[test]
    fn letters_beyond_ascii_are_kept() {
        assert_eq!(camel("größe"), "größe");
        assert_eq!(pascal("größe"), "Größe");
        assert_eq!(screaming("größe"), "GRÖSSE");
        assert_eq!(camel("получить_профиль"), "получитьПрофиль");
        assert_eq!(pascal("ユーザー_取得"), "ユーザー取得");
        assert_eq!(camel("ελέγχος_ΟΚ"), "ελέγχοςΟκ");
        // Georgian keeps its letters: their upper case is of Unicode 11.
        assert_eq!(pascal("სახელი"), "სახელი");
    }

    #[test]
    fn other_letters_are_written_as_code_points() {
        // Adlam (Unicode 9) is not among the settled scripts.
        assert_eq!(camel("𞤀𞤁_x"), "_x1E900__x1E901_X");
        // A decomposed `é` stays one word.
        assert_eq!(camel("cafe\u{301}_au_lait"), "cafe\u{301}AuLait");
        assert_eq!(camel("٣"), "_٣");
        assert_eq!(camel("*/ alert(2); /*"), "alert2");
        assert_eq!(camel(""), "_");
        for name in ["𞤀", "a\u{2028}b", "x\u{202E}y", "🙂ok", "\u{0}"] {
            assert!(is_ident(&camel(name)), "{name:?} -> {}", camel(name));
            assert!(is_ident(&pascal(name)), "{name:?}");
            assert!(is_ident(&screaming(name)), "{name:?}");
        }
    }

    #[test]
    fn identifiers() {
        assert!(is_ident("Größe") && is_ident("$x") && is_ident("_1"));
        assert!(!is_ident("1a") && !is_ident("a-b") && !is_ident("") && !is_ident("class"));
        assert!(!is_ident("a\u{200D}b"), "joiners are not kept");
        assert!(!is_type_name("string"));
    }
}
