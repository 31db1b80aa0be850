//! A short, readable account of how a generated file differs from what is
//! on disk: what the check modes (the `mizan-codegen --check` flag, the
//! plugin's `ExportFile::check`) print when a committed file is stale.

/// At most this many lines of each side are shown.
const SHOWN: usize = 8;

/// `None` when `old` and `new` are equal; otherwise the block of lines
/// that changed, as `-` (on disk) and `+` (generated) lines with their line
/// numbers, cut short after a few lines.
///
/// ```
/// use tauri_plugin_mizan_codegen::changed_lines;
/// assert_eq!(changed_lines("a\nb\n", "a\nb\n"), None);
/// assert_eq!(
///     changed_lines("a\nb\nc\n", "a\nB\nc\n").unwrap(),
///     "line 2:\n- b\n+ B\n"
/// );
/// ```
pub fn changed_lines(old: &str, new: &str) -> Option<String> {
    if old == new {
        return None;
    }
    let old: Vec<&str> = old.lines().collect();
    let new: Vec<&str> = new.lines().collect();
    let head = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let tail = old[head..]
        .iter()
        .rev()
        .zip(new[head..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let removed = &old[head..old.len() - tail];
    let added = &new[head..new.len() - tail];
    let mut out = format!("line {}:\n", head + 1);
    side(&mut out, '-', removed);
    side(&mut out, '+', added);
    if removed.is_empty() && added.is_empty() {
        // Only the final newline differs.
        out.push_str("(the end of the file differs: a final newline)\n");
    }
    Some(out)
}

fn side(out: &mut String, mark: char, lines: &[&str]) {
    for line in lines.iter().take(SHOWN) {
        out.push(mark);
        out.push(' ');
        out.push_str(line);
        out.push('\n');
    }
    if lines.len() > SHOWN {
        out.push_str(&format!(
            "{mark} ... ({} more lines)\n",
            lines.len() - SHOWN
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::changed_lines;

    #[test]
    fn a_block_in_the_middle_is_shown_once() {
        let old = "a\nb\nc\nd\n";
        let new = "a\nx\ny\nd\n";
        assert_eq!(
            changed_lines(old, new).unwrap(),
            "line 2:\n- b\n- c\n+ x\n+ y\n"
        );
    }

    #[test]
    fn added_and_removed_lines_at_the_end() {
        assert_eq!(changed_lines("a\n", "a\nb\n").unwrap(), "line 2:\n+ b\n");
        assert_eq!(changed_lines("a\nb\n", "a\n").unwrap(), "line 2:\n- b\n");
    }

    #[test]
    fn long_blocks_are_cut_short() {
        let old: String = (0..20).map(|i| format!("o{i}\n")).collect();
        let out = changed_lines(&old, "").unwrap();
        assert!(out.contains("- o7\n"), "{out}");
        assert!(!out.contains("- o8\n"), "{out}");
        assert!(out.contains("- ... (12 more lines)"), "{out}");
    }

    #[test]
    fn a_missing_final_newline_is_named() {
        let out = changed_lines("a\n", "a").unwrap();
        assert!(out.contains("final newline"), "{out}");
    }
}
