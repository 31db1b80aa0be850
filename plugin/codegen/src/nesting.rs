//! The reader's bound on nesting, checked before the `kdl` parser runs.
//!
//! The `kdl` parser recurses once per children block (and once per piece of
//! a block comment), so a hostile text of a few thousand nested blocks
//! would overflow the stack before any node is read. [`check`] lexes the
//! text first: it finds the strings, comments and braces exactly as KDL v2
//! defines them and refuses a text nested deeper than [`MAX_DEPTH`] with
//! the line where the limit is crossed.
//!
//! The lexer is strict on purpose: a quote that does not start a token, a
//! bad escape, an unterminated string or comment, or a character that
//! cannot follow a string is refused here, before the `kdl` parser (which
//! recovers from errors and resumes at places a lexer cannot predict) ever
//! sees it. The text the writer produces never has any of these.

use crate::error::ReadError;

/// The deepest nesting of children blocks the reader reads. The IR of a
/// real registry nests a few levels per type (function, result, list,
/// nullable, ...); 64 leaves room for types nested far beyond that.
pub const MAX_DEPTH: usize = 64;

/// The most pieces (runs of text, `*` and `/`) one block comment may have:
/// the `kdl` parser recurses once per piece.
const MAX_COMMENT_PIECES: usize = 256;

/// What came just before: a separator, a bare word (identifier, number,
/// keyword) or a string. A string or a `#` may only follow a separator; a
/// word may not follow a string.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prev {
    Sep,
    Word,
    Str,
}

/// Checks that `text` lexes as KDL v2 and nests at most [`MAX_DEPTH`]
/// children blocks deep.
pub(crate) fn check(text: &str) -> Result<(), ReadError> {
    Lexer {
        chars: text.char_indices().peekable(),
        line: 1,
        depth: 0,
        prev: Prev::Sep,
    }
    .run(text)
}

struct Lexer<'a> {
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    line: usize,
    depth: usize,
    prev: Prev,
}

fn is_newline(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{85}' | '\u{0B}' | '\u{0C}' | '\u{2028}' | '\u{2029}'
    )
}

fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

/// Code points KDL v2 does not allow literally anywhere.
fn is_disallowed(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}'
        | '\u{0E}'..='\u{1F}'
        | '\u{7F}'
        | '\u{200E}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}'
    )
}

/// Characters that end a bare word.
fn ends_word(c: char) -> bool {
    is_newline(c)
        || is_space(c)
        || is_disallowed(c)
        || matches!(
            c,
            '\\' | '/' | '(' | ')' | '{' | '}' | '[' | ']' | ';' | '"' | '#' | '='
        )
}

impl Lexer<'_> {
    fn syntax(&self, message: impl Into<String>) -> ReadError {
        ReadError::Syntax {
            line: self.line,
            message: message.into(),
        }
    }

    fn next(&mut self) -> Option<char> {
        let (_, c) = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn peek(&mut self) -> Option<char> {
        self.chars.peek().map(|(_, c)| *c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.next();
            true
        } else {
            false
        }
    }

    fn run(mut self, text: &str) -> Result<(), ReadError> {
        if text.starts_with('\u{FEFF}') {
            self.next();
        }
        while let Some(c) = self.next() {
            match c {
                c if is_newline(c) || is_space(c) => self.prev = Prev::Sep,
                c if is_disallowed(c) => {
                    return Err(self.syntax(format!(
                        "the code point U+{:04X} is not allowed in KDL",
                        c as u32
                    )))
                }
                '{' => {
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        return Err(ReadError::TooDeep {
                            line: self.line,
                            max: MAX_DEPTH,
                        });
                    }
                    self.prev = Prev::Sep;
                }
                '}' => {
                    self.depth = self.depth.saturating_sub(1);
                    self.prev = Prev::Sep;
                }
                ';' | '=' | '(' | ')' => self.prev = Prev::Sep,
                '[' | ']' => return Err(self.syntax(format!("`{c}` is not KDL v2 syntax"))),
                '/' => match self.next() {
                    Some('/') => self.line_comment(),
                    Some('*') => self.block_comment()?,
                    Some('-') => self.prev = Prev::Sep,
                    _ => return Err(self.syntax("a `/` that starts no comment")),
                },
                '\\' => self.escline()?,
                '"' => {
                    self.before_token("a string")?;
                    self.string(0)?;
                }
                '#' => {
                    self.before_token("a `#`")?;
                    let mut hashes = 1;
                    while self.eat('#') {
                        hashes += 1;
                    }
                    if self.eat('"') {
                        self.string(hashes)?;
                    } else if hashes == 1 {
                        // A keyword: #true, #false, #null, #inf, #-inf, #nan.
                        self.word();
                    } else {
                        return Err(self.syntax("`#`s that start no raw string"));
                    }
                }
                _ => {
                    if self.prev == Prev::Str {
                        return Err(self.syntax(
                            "a string must be followed by a space, `;`, `=`, a brace or a new line",
                        ));
                    }
                    self.word();
                }
            }
        }
        Ok(())
    }

    fn before_token(&self, what: &str) -> Result<(), ReadError> {
        if self.prev == Prev::Sep {
            Ok(())
        } else {
            Err(self.syntax(format!(
                "{what} must start after a space, `=`, `(` or a brace"
            )))
        }
    }

    fn word(&mut self) {
        while self.peek().is_some_and(|c| !ends_word(c)) {
            self.next();
        }
        self.prev = Prev::Word;
    }

    /// `//` up to (not including) the end of the line.
    fn line_comment(&mut self) {
        while self.peek().is_some_and(|c| !is_newline(c)) {
            self.next();
        }
        self.prev = Prev::Sep;
    }

    /// `/* ... */`, nested, after its `/*`.
    fn block_comment(&mut self) -> Result<(), ReadError> {
        let start = self.line;
        let mut open = 1usize;
        let mut pieces = 0usize;
        let mut in_run = false;
        loop {
            let Some(c) = self.next() else {
                return Err(ReadError::Syntax {
                    line: start,
                    message: "a block comment is never closed".into(),
                });
            };
            if is_disallowed(c) {
                return Err(self.syntax(format!(
                    "the code point U+{:04X} is not allowed in KDL",
                    c as u32
                )));
            }
            match c {
                '*' | '/' => {
                    in_run = false;
                    pieces += 1;
                    if c == '*' && self.eat('/') {
                        open -= 1;
                        if open == 0 {
                            break;
                        }
                    } else if c == '/' && self.eat('*') {
                        open += 1;
                    }
                }
                _ if !in_run => {
                    in_run = true;
                    pieces += 1;
                }
                _ => {}
            }
            if pieces > MAX_COMMENT_PIECES {
                return Err(ReadError::Invalid {
                    line: start,
                    within: "a block comment".into(),
                    message: format!(
                        "longer than the reader reads (more than {MAX_COMMENT_PIECES} runs of text, `*` and `/`); use `//` comments"
                    ),
                });
            }
        }
        self.prev = Prev::Sep;
        Ok(())
    }

    /// `\` ws* (newline | `//` comment | end of text), after the `\`.
    fn escline(&mut self) -> Result<(), ReadError> {
        while self.peek().is_some_and(is_space) {
            self.next();
        }
        match self.peek() {
            None => {}
            Some(c) if is_newline(c) => {
                self.next();
            }
            Some('/') => {
                self.next();
                if !self.eat('/') {
                    return Err(self.syntax("a `\\` outside a string must end its line"));
                }
                self.line_comment();
            }
            Some(_) => return Err(self.syntax("a `\\` outside a string must end its line")),
        }
        self.prev = Prev::Sep;
        Ok(())
    }

    /// A string after its first `"` (and `hashes` `#`s for a raw string):
    /// `"..."`, `"""` multi-line `"""`, `#"..."#`, `#"""` ... `"""#`.
    fn string(&mut self, hashes: usize) -> Result<(), ReadError> {
        let start = self.line;
        let multi = self.peek() == Some('"') && {
            let mut ahead = self.chars.clone();
            ahead.next();
            ahead.peek().map(|(_, c)| *c) == Some('"')
        };
        if multi {
            self.next();
            self.next();
            match self.next() {
                Some(c) if is_newline(c) => {}
                _ => {
                    return Err(self
                        .syntax("a multi-line string starts with a new line after its `\"\"\"`"))
                }
            }
        }
        let quotes = if multi { 3 } else { 1 };
        let unclosed = ReadError::Syntax {
            line: start,
            message: "a string is never closed".into(),
        };
        loop {
            let c = self.next().ok_or_else(|| unclosed.clone())?;
            if is_disallowed(c) {
                return Err(self.syntax(format!(
                    "the code point U+{:04X} is not allowed in a KDL string (write it as an escape)",
                    c as u32
                )));
            }
            if is_newline(c) && !multi {
                return Err(self.syntax("a new line in a single-line string"));
            }
            if c == '\\' && hashes == 0 {
                self.escape()?;
            } else if c == '"' && self.closes(quotes - 1, hashes) {
                break;
            }
        }
        self.prev = Prev::Str;
        Ok(())
    }

    /// After a `"`: are the next `more_quotes` quotes and `hashes` `#`s
    /// there? Consumes them if so.
    fn closes(&mut self, more_quotes: usize, hashes: usize) -> bool {
        let mut ahead = self.chars.clone();
        for _ in 0..more_quotes {
            if ahead.next().map(|(_, c)| c) != Some('"') {
                return false;
            }
        }
        for _ in 0..hashes {
            if ahead.next().map(|(_, c)| c) != Some('#') {
                return false;
            }
        }
        for _ in 0..more_quotes + hashes {
            self.next();
        }
        true
    }

    /// After a `\` in a string.
    fn escape(&mut self) -> Result<(), ReadError> {
        match self.next() {
            Some('\\' | '"' | 'b' | 'f' | 'n' | 'r' | 't' | 's') => Ok(()),
            Some('u') => {
                let bad =
                    || "a `\\u{...}` escape holds 1 to 6 hex digits of a Unicode scalar value";
                if !self.eat('{') {
                    return Err(self.syntax(bad()));
                }
                let mut hex = String::new();
                while let Some(c) = self.peek().filter(char::is_ascii_hexdigit) {
                    hex.push(c);
                    self.next();
                }
                let valid = (1..=6).contains(&hex.len())
                    && u32::from_str_radix(&hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .is_some();
                if valid && self.eat('}') {
                    Ok(())
                } else {
                    Err(self.syntax(bad()))
                }
            }
            // A whitespace escape: `\` and the spaces and new lines after it.
            Some(c) if is_space(c) || is_newline(c) => {
                while self.peek().is_some_and(|c| is_space(c) || is_newline(c)) {
                    self.next();
                }
                Ok(())
            }
            Some(c) => Err(self.syntax(format!("`\\{c}` is not a KDL escape"))),
            None => Err(self.syntax("a string is never closed")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(levels: usize) -> String {
        let mut s = String::from("mizan-ir 1\nfunction f kind=query {\n    result {\n");
        s.push_str(&"list {\n".repeat(levels));
        s.push_str("u8\n");
        s.push_str(&"}\n".repeat(levels));
        s.push_str("}\n    auth none\n}\n");
        s
    }

    #[test]
    fn the_limit_is_crossed_on_a_line() {
        assert!(check(&nested(MAX_DEPTH - 2)).is_ok());
        let err = check(&nested(MAX_DEPTH - 1)).unwrap_err();
        assert_eq!(
            err,
            ReadError::TooDeep {
                line: 2 + MAX_DEPTH,
                max: MAX_DEPTH
            }
        );
    }

    #[test]
    fn braces_in_strings_and_comments_do_not_count() {
        let deep = "{".repeat(1000);
        for text in [
            format!("a \"{deep}\""),
            format!("a \"\"\"\n{deep}\n\"\"\""),
            format!("a #\"{deep}\"#"),
            format!("a ##\"\"\"\n\"#{deep}\n\"\"\"##"),
            format!("// {deep}\na"),
            format!("/* {deep} */ a"),
            format!("a \"\\\"{deep}\""),
        ] {
            assert!(check(&text).is_ok(), "{text:.40}");
        }
    }

    #[test]
    fn what_the_parser_would_recover_from_is_refused_first() {
        for text in [
            "a \"x\\q {{\"",
            "a\"b\"",
            "\"a\"b",
            "a \"unclosed",
            "a \"line\nbreak\"",
            "a /* never closed",
            "a \\ b",
            "a #x\"y\"",
            "a / b",
            "a [b]",
            "a \"\u{0}\"",
            "a \"\\u{D800}\"",
            "a \"\"\"no newline\"\"\"",
        ] {
            assert!(
                matches!(check(text), Err(ReadError::Syntax { .. })),
                "{text:?}"
            );
        }
    }

    #[test]
    fn long_block_comments_are_refused() {
        let text = format!("/* {} */\n", "*".repeat(MAX_COMMENT_PIECES + 1));
        assert!(matches!(check(&text), Err(ReadError::Invalid { .. })));
        let nested = format!("{}{}", "/*".repeat(200), "*/".repeat(200));
        assert!(check(&nested).is_err());
    }

    #[test]
    fn valid_kdl_passes() {
        let text = "\u{FEFF}mizan-ir 1 // the version\n/- skipped { a; }\nnode (ty)\"v\" key=#true k2=#-inf \\\n  x=1.5e3 { child; }\n/* a /* nested */ comment */ b \"esc \\u{1F600} \\\n   cont\"\n";
        assert!(check(text).is_ok());
    }
}
