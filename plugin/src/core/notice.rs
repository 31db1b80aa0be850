//! What the plugin tells the app's developer in debug builds: the scoping
//! report, an empty registry, a call to a name nothing registered. A
//! developer who set up no logger (the Tauri template sets up none) would
//! never see a `log` record, so these go to stderr then; with a logger they
//! go through it. Release builds say none of it.

use log::Level;

/// Says `text` in a debug build: through the app's logger at `level` when
/// it set one up, else on stderr. Nothing in a release build.
pub(crate) fn say(level: Level, text: &str) {
    if !cfg!(debug_assertions) {
        return;
    }
    if log::max_level() == log::LevelFilter::Off {
        // No logger: `log` drops every record.
        eprintln!("{text}");
    } else {
        log::log!(level, "{text}");
    }
}

/// The start-up warning of a registry with no function.
pub(crate) const EMPTY_REGISTRY: &str = "mizan: no #[client] function is linked into this app, so every call will answer `unknown_function`.
  If the functions live in another crate (an api crate of the workspace), the app must name it once,
  or Rust leaves it out of the program: add `use my_api as _;` to the app crate (e.g. src-tauri/src/lib.rs).";

/// The warning for a call to a name no linked crate registered.
pub(crate) fn unknown(what: &str, name: &str, known: &[&str]) -> String {
    const SHOWN: usize = 12;
    let list = if known.is_empty() {
        "none".to_owned()
    } else if known.len() > SHOWN {
        format!(
            "{}, ... ({} in all)",
            known[..SHOWN].join(", "),
            known.len()
        )
    } else {
        known.join(", ")
    };
    format!(
        "mizan: the webview asked for the {what} `{name}`, which no linked crate registered (registered: {list}).
  If it lives in a crate the app never names, add `use that_crate as _;` to the app crate;
  if the generated client is older than the Rust code, regenerate it."
    )
}

#[cfg(test)]
mod tests {
    use super::unknown;

    #[test]
    fn a_long_list_of_names_is_cut_short() {
        let names: Vec<String> = (0..20).map(|i| format!("f{i:02}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let text = unknown("function", "nope", &names);
        assert!(text.contains("f11, ... (20 in all)"), "{text}");
        assert!(!text.contains("f12"), "{text}");
        assert!(unknown("context", "x", &[]).contains("(registered: none)"));
    }
}
