//! The IR's KDL, checked before the `kdl` parser runs.
//!
//! The `kdl` parser recurses once per children block, so a hostile text of
//! a few thousand nested blocks would overflow the stack before any node is
//! read; and it recovers from errors by skipping to places (the next space,
//! brace or line) that may lie inside what a string seemed to be, so no
//! count of braces made beside it can be trusted on a text it has to
//! recover from. [`check`] therefore reads the text first, without
//! recursion, as the subset of KDL v2 that the writer produces, and refuses
//! anything else with its line. The `kdl` parser then only ever sees a
//! text it reads without an error, nested at most [`MAX_DEPTH`] deep.
//!
//! The subset: nodes with a name (an identifier or a quoted string),
//! arguments and `key=value` properties separated by spaces or tabs
//! (values: quoted strings, numbers, `#true`, `#false`, `#null`,
//! identifiers), an optional children block after a space, ended by a new
//! line, `;` or the `}` of the enclosing block; `//` comments. Not read:
//! block comments, `/-` slashdash, type annotations, raw and multi-line
//! strings, line continuations, other spaces and line breaks than space,
//! tab, `\n` and `\r\n`.

use crate::error::ReadError;

/// The deepest nesting of children blocks the reader reads. The IR of a
/// real registry nests a few levels per type (function, result, list,
/// nullable, ...); 64 leaves room for types nested far beyond that.
pub const MAX_DEPTH: usize = 64;

/// Checks that `text` is in the KDL subset the writer produces and nests
/// at most [`MAX_DEPTH`] children blocks deep.
pub(crate) fn check(text: &str) -> Result<(), ReadError> {
    Checker {
        chars: text.chars().peekable(),
        line: 1,
        depth: 0,
    }
    .run()
}

struct Checker<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
    depth: usize,
}

/// Characters that cannot be part of a bare identifier or number.
fn ends_word(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\\' | '/' | '(' | ')' | '{' | '}' | '[' | ']' | ';' | '"' | '#' | '=' | '\u{200E}'
                ..='\u{200F}'
                    | '\u{202A}'..='\u{202E}'
                    | '\u{2066}'..='\u{2069}'
                    | '\u{FEFF}'
        )
}

/// Code points KDL v2 does not allow literally.
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

fn is_newline(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{85}' | '\u{0B}' | '\u{0C}' | '\u{2028}' | '\u{2029}'
    )
}

fn describe(c: Option<char>) -> String {
    match c {
        None => "the end of the text".into(),
        Some(c) if c.is_control() || c.is_whitespace() || is_disallowed(c) => {
            format!("U+{:04X}", c as u32)
        }
        Some(c) => format!("`{c}`"),
    }
}

impl Checker<'_> {
    fn syntax(&self, message: impl Into<String>) -> ReadError {
        ReadError::Syntax {
            line: self.line,
            message: message.into(),
        }
    }

    fn unexpected(&mut self, expected: &str) -> ReadError {
        let found = describe(self.peek());
        self.syntax(format!(
            "expected {expected}, found {found} (the reader reads the KDL the IR writer writes)"
        ))
    }

    fn peek(&mut self) -> Option<char> {
        self.chars.peek().copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    /// Spaces and tabs; true if there were any.
    fn spaces(&mut self) -> bool {
        let mut any = false;
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.bump();
            any = true;
        }
        any
    }

    /// `\n` or `\r\n`; true if there was one.
    fn newline(&mut self) -> Result<bool, ReadError> {
        match self.peek() {
            Some('\n') => {
                self.bump();
                Ok(true)
            }
            Some('\r') => {
                self.bump();
                if self.peek() == Some('\n') {
                    self.bump();
                    Ok(true)
                } else {
                    Err(self.syntax("a `\\r` that is not part of `\\r\\n`"))
                }
            }
            _ => Ok(false),
        }
    }

    /// `//` to the end of the line, after its first `/`.
    fn comment(&mut self) -> Result<(), ReadError> {
        self.bump();
        if self.peek() != Some('/') {
            return Err(self.syntax(
                "a `/` that starts no `//` comment (block comments and `/-` are not read)",
            ));
        }
        while let Some(c) = self.peek().filter(|c| !is_newline(*c)) {
            if is_disallowed(c) {
                return Err(self.unexpected("text of a comment"));
            }
            self.bump();
        }
        Ok(())
    }

    fn run(mut self) -> Result<(), ReadError> {
        loop {
            // Between nodes: spaces, new lines, comments.
            loop {
                if self.spaces() || self.newline()? {
                    continue;
                }
                if self.peek() == Some('/') {
                    self.comment()?;
                    continue;
                }
                break;
            }
            match self.peek() {
                None if self.depth == 0 => return Ok(()),
                None => return Err(self.syntax("a children block is never closed (`}`)")),
                Some('}') => self.close()?,
                Some(_) => self.node()?,
            }
        }
    }

    /// A node: its name, its entries, and a children block or its end.
    fn node(&mut self) -> Result<(), ReadError> {
        self.name("a node name")?;
        loop {
            let spaced = self.spaces();
            match self.peek() {
                Some('{') if spaced => {
                    self.bump();
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        return Err(ReadError::TooDeep {
                            line: self.line,
                            max: MAX_DEPTH,
                        });
                    }
                    return Ok(());
                }
                Some('/') if !spaced => {
                    return Err(self.unexpected("a space before a `//` comment"))
                }
                None | Some('\n' | '\r' | ';' | '}' | '/') => return self.end(),
                Some(_) if spaced => self.entry()?,
                Some(_) => return Err(self.unexpected("a space, `;` or the end of the line")),
            }
        }
    }

    /// The `}` of a children block, and the end of the node it belongs to.
    fn close(&mut self) -> Result<(), ReadError> {
        if self.depth == 0 {
            return Err(self.syntax("a `}` that closes no children block"));
        }
        self.bump();
        self.depth -= 1;
        if !self.spaces() && self.peek() == Some('/') {
            return Err(self.unexpected("a space before a `//` comment"));
        }
        self.end()
    }

    /// The end of a node: a new line, `;`, a `//` comment, the `}` of the
    /// enclosing block (left for [`Self::close`]) or the end of the text.
    fn end(&mut self) -> Result<(), ReadError> {
        match self.peek() {
            None | Some('}') => Ok(()),
            Some(';') => {
                self.bump();
                Ok(())
            }
            Some('/') => self.comment(),
            _ if self.newline()? => Ok(()),
            _ => Err(self.unexpected("the end of the node")),
        }
    }

    /// An argument or a `key=value` property.
    fn entry(&mut self) -> Result<(), ReadError> {
        let was_name = match self.peek() {
            Some('"') => {
                self.string()?;
                true
            }
            Some('#') => {
                self.keyword()?;
                false
            }
            _ => self.word()?,
        };
        if self.peek() == Some('=') {
            if !was_name {
                return Err(self.syntax("a property's key is an identifier or a string"));
            }
            self.bump();
            self.value()?;
        }
        Ok(())
    }

    fn value(&mut self) -> Result<(), ReadError> {
        match self.peek() {
            Some('"') => self.string(),
            Some('#') => self.keyword(),
            _ => self.word().map(|_| ()),
        }
    }

    /// An identifier or a quoted string.
    fn name(&mut self, what: &str) -> Result<(), ReadError> {
        match self.peek() {
            Some('"') => self.string(),
            Some(c) if !ends_word(c) => {
                if self.word()? {
                    Ok(())
                } else {
                    Err(self.syntax(format!("{what} cannot be a number")))
                }
            }
            _ => Err(self.unexpected(what)),
        }
    }

    /// `#true`, `#false` or `#null`.
    fn keyword(&mut self) -> Result<(), ReadError> {
        self.bump();
        let mut word = String::new();
        while let Some(c) = self.peek().filter(|c| !ends_word(*c)) {
            word.push(c);
            self.bump();
        }
        if matches!(word.as_str(), "true" | "false" | "null") {
            Ok(())
        } else {
            Err(self.syntax(format!(
                "`#{word}` is not read (the keywords are #true, #false and #null)"
            )))
        }
    }

    /// A bare identifier (true) or a number (false).
    fn word(&mut self) -> Result<bool, ReadError> {
        let mut word = String::new();
        while let Some(c) = self.peek().filter(|c| !ends_word(*c)) {
            word.push(c);
            self.bump();
        }
        if word.is_empty() {
            return Err(self.unexpected("a value"));
        }
        let digits = word.strip_prefix('-').unwrap_or(&word);
        if digits.starts_with(|c: char| c.is_ascii_digit()) {
            if is_decimal(digits) {
                return Ok(false);
            }
            return Err(self.syntax(format!("`{word}` is not a number")));
        }
        // KDL's rules for identifiers that start like a number are subtle;
        // the writer quotes every string that starts with one of these.
        if word.starts_with(['-', '+', '.']) {
            return Err(self.syntax(format!("`{word}` starts like a number: quote it")));
        }
        if matches!(
            word.as_str(),
            "true" | "false" | "null" | "inf" | "-inf" | "nan"
        ) {
            return Err(self.syntax(format!("`{word}` must be written `#{word}` or quoted")));
        }
        Ok(true)
    }

    /// A single-line quoted string with KDL's escapes.
    fn string(&mut self) -> Result<(), ReadError> {
        self.bump();
        if self.peek() == Some('"') {
            self.bump();
            if self.peek() == Some('"') {
                return Err(self.syntax("multi-line strings are not read"));
            }
            return Ok(());
        }
        loop {
            match self.bump() {
                None => return Err(self.syntax("a string is never closed")),
                Some('"') => return Ok(()),
                Some('\\') => self.escape()?,
                Some(c) if is_newline(c) => {
                    return Err(self.syntax("a line break in a string (write it as `\\n`)"))
                }
                Some(c) if is_disallowed(c) => {
                    return Err(self.syntax(format!(
                        "U+{:04X} in a string must be written as an escape",
                        c as u32
                    )))
                }
                Some(_) => {}
            }
        }
    }

    fn escape(&mut self) -> Result<(), ReadError> {
        match self.bump() {
            Some('\\' | '"' | 'b' | 'f' | 'n' | 'r' | 't' | 's') => Ok(()),
            Some('u') => {
                let mut hex = String::new();
                let open = self.bump() == Some('{');
                while let Some(c) = self.peek().filter(char::is_ascii_hexdigit) {
                    hex.push(c);
                    self.bump();
                }
                let close = self.bump() == Some('}');
                let valid = (1..=6).contains(&hex.len())
                    && u32::from_str_radix(&hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .is_some();
                if open && close && valid {
                    Ok(())
                } else {
                    Err(self.syntax(
                        "a `\\u{...}` escape holds 1 to 6 hex digits of a Unicode scalar value",
                    ))
                }
            }
            Some(c) => Err(self.syntax(format!(
                "`\\{}` is not read as an escape",
                describe(Some(c)).trim_matches('`')
            ))),
            None => Err(self.syntax("a string is never closed")),
        }
    }
}

/// `1`, `1_000`, `2.5`, `1e3`, `6.02E-23` (without the sign).
fn is_decimal(s: &str) -> bool {
    let digits = |s: &str| {
        s.starts_with(|c: char| c.is_ascii_digit())
            && s.chars().all(|c| c.is_ascii_digit() || c == '_')
    };
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => digits(int) && digits(frac),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    mantissa_ok && exponent_ok
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
            format!("// {deep}\na"),
            format!("a \"\\\"{deep}\""),
            format!("a k=\"{deep}\" {{\n}}"),
        ] {
            assert!(check(&text).is_ok(), "{text:.40}");
        }
    }

    #[test]
    fn what_the_writer_does_not_write_is_refused() {
        for text in [
            ";\"abc { {\"",
            "a =\"{{\"",
            "a x=}",
            "a \"x\\q {{\"",
            "a\"b\"",
            "\"a\"b",
            "a \"unclosed",
            "a \"line\nbreak\"",
            "a /* block */",
            "/- a",
            "a \\\n b",
            "a #x",
            "a (t)1",
            "a / b",
            "a [b]",
            "a \"\u{0}\"",
            "a \"\\u{D800}\"",
            "a \"\"\"\nmulti\n\"\"\"",
            "a #\"raw\"#",
            "a{",
            "a {} b",
            "}",
            "a {",
            "a 1x",
            "a true",
            "a\u{A0}b",
            "a\rb",
            "a -.5",
            "a +1",
            "a -x",
            "a .x",
            "a b// c",
            "a {\n}// c",
        ] {
            assert!(
                matches!(check(text), Err(ReadError::Syntax { .. })),
                "{text:?}: {:?}",
                check(text)
            );
        }
    }

    #[test]
    fn what_the_writer_writes_passes() {
        let text = "mizan-ir 1 // the version\nnode \"v\" key=#true k2=-1_000 \"k 3\"=2.5e-3 x=#null {\n    child; other \"\\u{1F600}\\n\\\"\"\n}\r\nlast { a { b } }\n";
        assert!(check(text).is_ok(), "{:?}", check(text));
    }
}
