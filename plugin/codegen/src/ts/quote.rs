//! Text the generator puts between quotes or in comments: every wire name
//! and doc string goes through here, so none can end its string or comment
//! early and run as code.

use std::fmt::Write as _;

/// A TypeScript string literal in single quotes.
pub(super) fn ts_string(s: &str) -> String {
    quoted(s, '\'')
}

/// A string literal in double quotes, as JSON writes it (for literal types).
pub(super) fn json_string(s: &str) -> String {
    quoted(s, '"')
}

/// Characters written as escapes wherever they appear: controls, line and
/// paragraph separators, and invisible formatting characters (zero-width
/// and bidirectional marks), which could make the text read differently
/// from what it is.
fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{AD}'
            | '\u{61C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}'
        )
}

fn escape(out: &mut String, c: char) {
    if (c as u32) <= 0xFFFF {
        let _ = write!(out, "\\u{:04x}", c as u32);
    } else {
        let _ = write!(out, "\\u{{{:x}}}", c as u32);
    }
}

/// `s` between `quote`s, with the quote, backslashes, line breaks and
/// hidden characters escaped.
fn quoted(s: &str, quote: char) -> String {
    let mut out = String::from(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if is_hidden(c) => escape(&mut out, c),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// A wire name inside a comment (always between backticks): on one line,
/// with `*/` broken, hidden characters as escapes, and `@` escaped so it
/// starts no JSDoc tag.
pub(super) fn name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev = '\0';
    for c in s.chars() {
        match c {
            '/' if prev == '*' => out.push_str("\\/"),
            '@' => out.push_str("\\@"),
            c if is_hidden(c) => escape(&mut out, c),
            c => out.push(c),
        }
        prev = c;
    }
    out
}

/// Doc text on the lines of a comment: `*/` broken, and controls other
/// than tabs and line breaks as escapes.
fn doc_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev = '\0';
    for c in s.replace("\r\n", "\n").replace('\r', "\n").chars() {
        match c {
            '/' if prev == '*' => out.push_str("\\/"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() => escape(&mut out, c),
            c => out.push(c),
        }
        prev = c;
    }
    out
}

/// A JSDoc comment holding `doc` (nothing for no or empty doc), one line
/// when it fits on one.
pub(super) fn doc_comment(out: &mut String, indent: &str, doc: Option<&str>) {
    let Some(doc) = doc.map(str::trim).filter(|d| !d.is_empty()) else {
        return;
    };
    let doc = doc_text(doc);
    let lines: Vec<&str> = doc.lines().collect();
    if lines.len() == 1 {
        let _ = writeln!(out, "{indent}/** {} */", lines[0].trim());
    } else {
        let _ = writeln!(out, "{indent}/**");
        for l in lines {
            let l = l.strip_prefix(' ').unwrap_or(l).trim_end();
            if l.is_empty() {
                let _ = writeln!(out, "{indent} *");
            } else {
                let _ = writeln!(out, "{indent} * {l}");
            }
        }
        let _ = writeln!(out, "{indent} */");
    }
}

/// `doc` on one line (line breaks as spaces), for a comment inside a union.
pub(super) fn one_line_doc(doc: &str) -> String {
    doc_text(doc.trim()).replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_quote_backslashes_and_control_characters() {
        assert_eq!(ts_string("it's \\ a\nb"), r"'it\'s \\ a\nb'");
        assert_eq!(json_string("say \"hi\"\t"), r#""say \"hi\"\u0009""#);
        assert_eq!(ts_string("\"ok\""), "'\"ok\"'");
        assert_eq!(json_string("'ok'\u{2028}"), "\"'ok'\\u2028\"");
        assert_eq!(ts_string("a\u{202E}b\u{E0041}"), r"'a\u202eb\u{e0041}'");
    }

    #[test]
    fn names_cannot_end_a_comment() {
        assert_eq!(name("ctx*/ alert(2); /*"), r"ctx*\/ alert(2); /*");
        assert_eq!(name("**//"), r"**\//");
        assert_eq!(name("a\nb\u{2029}@x"), r"a\u000ab\u2029\@x");
        let mut out = String::new();
        doc_comment(&mut out, "", Some("ends */ here\nand */ there"));
        assert_eq!(out, "/**\n * ends *\\/ here\n * and *\\/ there\n */\n");
    }
}
