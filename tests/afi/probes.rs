//! One probe per applicable capability of `manifest.toml`. A probe tries
//! the behaviour through the real IPC dispatch path and reports what it
//! observed; it never looks for the presence of a name.
//!
//! Where SPEC.md does not fix a wire shape yet (uploads, streams, forms,
//! JWT), the probe's request is one constant below: whoever builds the
//! capability aligns it with what they chose.

use std::{
    sync::atomic::Ordering,
    time::{Duration, Instant},
};

use serde::Serialize;
use serde_json::{json, Value};
use tauri::ipc::InvokeBody;
use tauri_plugin_mizan::MizanExt;

use crate::{
    common,
    fixture::{self, UploadEcho},
    harness::{headers, invoke_with, Harness, Reply, LIMIT},
};

/// What a probe found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Wired,
    Partial,
    Missing,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub status: Status,
    pub evidence: String,
}

pub type Probe = fn(&Harness) -> Finding;

/// Every probe, by the manifest `id` it answers for.
pub const PROBES: &[(&str, Probe)] = &[
    ("call", call),
    ("bundle", bundle),
    ("invalidate-in-body", invalidate_in_body),
    ("scoping", scoping),
    ("discovery", discovery),
    ("ir", ir),
    ("auth", auth),
    ("per-window-access", per_window_access),
    ("origin-cache", origin_cache),
    ("uploads", uploads),
    ("streams", streams),
    ("forms", forms),
    ("shapes", shapes),
    ("jwt", jwt),
    ("hydration", hydration),
    ("single-flight", single_flight),
];

// Wire shapes SPEC.md leaves to the capability's builder --------------------

const IR: &str = "plugin:mizan|ir";
/// A raw body (the files one after the other); the function, its args
/// (`{"$upload": <index>}` where a file goes) and the files' names, types
/// and sizes travel in this header, as percent-encoded JSON.
const UPLOAD: &str = "plugin:mizan|upload";
const UPLOAD_HEADER: &str = "mizan-upload";
/// Chunked: `upload_begin` takes the same JSON as a body and answers
/// `{"id"}`; each `upload_chunk` is a raw body with `{"id", "offset"}` in
/// the header; the last answers the call.
const UPLOAD_BEGIN: &str = "plugin:mizan|upload_begin";
const UPLOAD_CHUNK: &str = "plugin:mizan|upload_chunk";
/// `{"fn", "args", "channel"}`, the channel as the webview serializes it.
const STREAM: &str = "plugin:mizan|stream";
/// `{"channel"}`: the consumer stopped.
const STREAM_CANCEL: &str = "plugin:mizan|stream_cancel";
/// Forms: the schema is the function's `form` node in the IR (`ir`);
/// `validate` takes a `call` body and runs no function; a submit is a
/// `call`, which validates first.
const FORM_SCHEMA: &str = "plugin:mizan|ir";
const FORM_VALIDATE: &str = "plugin:mizan|validate";
const FORM_SUBMIT: &str = "plugin:mizan|call";
/// `Bearer <token>`.
const TOKEN_HEADER: &str = "authorization";

// Grading -------------------------------------------------------------------

/// The checks of one probe: what was observed and what was not.
#[derive(Default)]
struct Checks {
    seen: Vec<String>,
    unseen: Vec<String>,
}

impl Checks {
    fn check(&mut self, ok: bool, what: &str) -> bool {
        if ok {
            self.seen.push(what.to_owned());
        } else {
            self.unseen.push(what.to_owned());
        }
        ok
    }

    /// Like `check`, saying what came back when it fails.
    fn check_got(&mut self, ok: bool, what: &str, got: &Reply) -> bool {
        if ok {
            self.check(true, what)
        } else {
            self.check(false, &format!("{what} (got {})", short(got)))
        }
    }

    /// Missing unless `core` holds; wired when every check held.
    fn grade(self, core: bool) -> Finding {
        let status = if !core || self.seen.is_empty() {
            Status::Missing
        } else if self.unseen.is_empty() {
            Status::Wired
        } else {
            Status::Partial
        };
        let mut parts = Vec::new();
        if !self.seen.is_empty() {
            parts.push(format!("observed: {}", self.seen.join("; ")));
        }
        if !self.unseen.is_empty() {
            parts.push(format!("not observed: {}", self.unseen.join("; ")));
        }
        Finding {
            status,
            evidence: parts.join(". "),
        }
    }
}

fn missing(evidence: impl Into<String>) -> Finding {
    Finding {
        status: Status::Missing,
        evidence: evidence.into(),
    }
}

/// A reply, shortened for evidence: the error code and message, or the
/// first line of a refusal, or the JSON.
fn short(reply: &Reply) -> String {
    let text = match reply {
        Ok(v) => format!("ok {}", compact(v)),
        Err(Value::Object(e)) => format!(
            "`{}`: {}",
            e.get("code").and_then(Value::as_str).unwrap_or("?"),
            e.get("message").and_then(Value::as_str).unwrap_or("")
        ),
        Err(Value::String(s)) => s.lines().next().unwrap_or("").to_owned(),
        Err(v) => compact(v),
    };
    truncate(&text, 110)
}

fn compact(v: &Value) -> String {
    truncate(&v.to_string(), 80)
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

fn code(reply: &Reply) -> Option<&str> {
    reply.as_ref().err()?.get("code")?.as_str()
}

/// `{code, message, details, invalidate}`, as SPEC §2 fixes it.
fn error_shape(reply: &Reply) -> bool {
    let Err(Value::Object(e)) = reply else {
        return false;
    };
    e.get("code").is_some_and(Value::is_string)
        && e.get("message").is_some_and(Value::is_string)
        && e.contains_key("details")
        && e.get("invalidate").is_some_and(Value::is_array)
}

fn refused_by_acl(reply: &Reply) -> bool {
    matches!(reply, Err(Value::String(s)) if s.contains("not allowed"))
}

/// SPEC §3's reach rule, written here from the text, not taken from the
/// plugin: every param of the target is absent from the bundle or equal.
fn reaches(target: &Value, context: &str, bundle: &Value) -> bool {
    target["context"] == context
        && target["params"]
            .as_object()
            .is_some_and(|t| t.iter().all(|(k, v)| bundle.get(k).is_none_or(|b| b == v)))
}

fn any_reaches(targets: &Value, context: &str, bundle: Value) -> bool {
    targets
        .as_array()
        .is_some_and(|ts| ts.iter().any(|t| reaches(t, context, &bundle)))
}

// Protocol core ---------------------------------------------------------------

fn call(h: &Harness) -> Finding {
    let mut c = Checks::default();
    let env = h.call(&h.main, "afi_echo", json!({"text": "ab", "times": 2}));
    let core = c.check_got(
        env == Ok(json!({"result": "abab", "invalidate": []})),
        "a query answers `{result, invalidate: []}`",
        &env,
    );
    let e = h.call(&h.main, "afi_nope", json!({}));
    c.check_got(
        code(&e) == Some("unknown_function") && error_shape(&e),
        "`unknown_function` in the error shape",
        &e,
    );
    let e = h.call(&h.main, "afi_echo", json!({"text": 1, "extra": true}));
    let names: Vec<&str> = e
        .as_ref()
        .err()
        .and_then(|e| e["details"]["params"].as_array())
        .map(|ps| ps.iter().filter_map(|p| p["name"].as_str()).collect())
        .unwrap_or_default();
    c.check_got(
        code(&e) == Some("invalid_args") && names == ["extra", "text", "times"],
        "`invalid_args` naming each offending param",
        &e,
    );
    let e = h.call(&h.main, "afi_rename", json!({"account_id": 1, "name": ""}));
    c.check_got(
        code(&e) == Some("app")
            && e.as_ref().err().is_some_and(|e| {
                e["details"] == json!({"kind": "EmptyName"}) && e["fn"] == "afi_rename"
            }),
        "`app` with the typed error",
        &e,
    );
    let e = h.call(&h.main, "afi_panics", json!({}));
    let leaked = e
        .as_ref()
        .err()
        .is_some_and(|e| e.to_string().contains("the probe asked"));
    let after = h.call(&h.main, "afi_echo", json!({"text": "x", "times": 1}));
    c.check_got(
        code(&e) == Some("internal") && !leaked && after.is_ok(),
        "`internal` for a panic, nothing leaked, the plugin keeps serving",
        &e,
    );
    c.grade(core)
}

fn bundle(h: &Harness) -> Finding {
    let mut c = Checks::default();
    let b = h.ctx(
        &h.main,
        "afi_account",
        json!({"account_id": 3, "verbose": null}),
    );
    let core = c.check_got(
        b.as_ref().is_ok_and(|b| {
            b["context"] == "afi_account"
                && b["data"]["afi_account_name"].is_string()
                && b["data"]["afi_account_flags"].is_array()
                && b["errors"] == json!({})
        }),
        "`ctx` answers `{context, params, data, errors}` with every context function",
        &b,
    );
    c.check_got(
        b.as_ref()
            .is_ok_and(|b| b["params"] == json!({"account_id": 3})),
        "canonical params, nulls left out",
        &b,
    );
    let b = h.ctx(&h.main, "afi_account", json!({"account_id": 13}));
    c.check_got(
        b.as_ref().is_ok_and(|b| {
            b["data"]["afi_account_name"].is_string()
                && b["data"].get("afi_account_flags").is_none()
                && b["errors"]["afi_account_flags"]["code"] == "app"
        }),
        "partial on purpose: a failing function under `errors`, the others answer",
        &b,
    );
    let e = h.ctx(&h.main, "afi_nowhere", json!({}));
    c.check_got(
        code(&e) == Some("unknown_context") && error_shape(&e),
        "`unknown_context`",
        &e,
    );
    let e = h.ctx(&h.main, "afi_account", json!({"account_id": "x"}));
    c.check_got(
        code(&e) == Some("invalid_args"),
        "`invalid_args` for a param of the wrong type",
        &e,
    );
    c.grade(core)
}

fn invalidate_in_body(h: &Harness) -> Finding {
    let mut c = Checks::default();
    let events = common::record_events(&h.other);
    let ok = h.call(
        &h.main,
        "afi_rename",
        json!({"account_id": 31, "name": "Ada"}),
    );
    let targets = ok
        .as_ref()
        .map(|v| v["invalidate"].clone())
        .unwrap_or(Value::Null);
    let core = c.check_got(
        any_reaches(&targets, "afi_account", json!({"account_id": 31})),
        "the mutation's envelope carries targets reaching the bundle it changed",
        &ok,
    );
    let failed = h.call(&h.main, "afi_rename", json!({"account_id": 32, "name": ""}));
    c.check_got(
        code(&failed) == Some("app")
            && failed.as_ref().err().is_some_and(|e| {
                any_reaches(&e["invalidate"], "afi_account", json!({"account_id": 32}))
            }),
        "a failed mutation's `app` error carries them too",
        &failed,
    );
    let seen = events.lock().unwrap().clone();
    c.check(
        seen.iter()
            .any(|e| e["targets"] == targets && e["source"] == "main")
            && targets.as_array().is_some_and(|t| !t.is_empty()),
        "other windows get `mizan://invalidate` with the same targets",
    );
    c.grade(core)
}

fn scoping(h: &Harness) -> Finding {
    let mut c = Checks::default();
    let cases = [
        (
            "tier 1 (explicit)",
            "afi_merge",
            json!({"keep": 1, "drop": 2}),
            json!([
                {"context": "afi_account", "params": {"account_id": 1}},
                {"context": "afi_account", "params": {"account_id": 2}},
                {"context": "afi_log", "params": {}}
            ]),
        ),
        (
            "tier 2 (matched name)",
            "afi_rename",
            json!({"account_id": 5, "name": "Bo"}),
            json!([{"context": "afi_account", "params": {"account_id": 5}}]),
        ),
        (
            "tier 2 (declared mapping)",
            "afi_rename_by_id",
            json!({"id": 7, "name": "Cy"}),
            json!([{"context": "afi_account", "params": {"account_id": 7}}]),
        ),
        (
            "tier 3 (each context whole)",
            "afi_reset",
            json!({"reason": "r"}),
            json!([
                {"context": "afi_account", "params": {}},
                {"context": "afi_team", "params": {}}
            ]),
        ),
    ];
    for (what, function, args, expected) in cases {
        let r = h.call(&h.main, function, args);
        let got = r.as_ref().map(|v| &v["invalidate"]);
        c.check_got(got == Ok(&expected), what, &r);
    }
    c.grade(true)
}

fn discovery(h: &Harness) -> Finding {
    let mut c = Checks::default();
    let r = h.call(&h.main, "afi_echo", json!({"text": "d", "times": 1}));
    let core = c.check_got(
        r.is_ok(),
        "a `#[client]` function is served with no registration call",
        &r,
    );
    let renamed = h.call(&h.main, "afi_renamed", json!({}));
    let rust = h.call(&h.main, "afi_rust_name", json!({}));
    c.check_got(
        renamed.as_ref().is_ok_and(|v| v["result"] == "renamed")
            && code(&rust) == Some("unknown_function"),
        "`name = \"...\"` serves it under that name only",
        &renamed,
    );
    let registry = h.app.mizan();
    let mut names: Vec<&str> = registry
        .registry()
        .functions()
        .iter()
        .map(|f| f.name)
        .collect();
    names.sort_unstable();
    c.check(
        names == fixture::FUNCTIONS,
        "the registry holds exactly the app's functions",
    );
    let mut contexts = registry.registry().context_names();
    contexts.sort_unstable();
    c.check(contexts == fixture::CONTEXTS, "and exactly its contexts");
    c.grade(core)
}

fn ir(h: &Harness) -> Finding {
    let first = h.invoke(&h.main, IR, json!({}));
    let text = match &first {
        Ok(Value::String(text)) => text.clone(),
        Ok(other) => {
            return missing(format!(
                "`{IR}` answers JSON ({}), not KDL text",
                compact(other)
            ))
        }
        Err(_) => return missing(format!("`{IR}` is refused: {}", short(&first))),
    };
    let mut c = Checks::default();
    c.check(!text.trim().is_empty(), "`ir` answers text");
    if let Err(why) = kdl_well_formed(&text) {
        c.check(false, &format!("well-formed KDL ({why})"));
    } else {
        c.check(true, "well-formed KDL");
    }
    let absent: Vec<&str> = fixture::FUNCTIONS
        .iter()
        .chain(fixture::CONTEXTS)
        .copied()
        .filter(|name| !has_token(&text, name))
        .collect();
    if absent.is_empty() {
        c.check(true, "names every function and context");
    } else {
        c.check(
            false,
            &format!(
                "names every function and context (absent: {})",
                absent.join(", ")
            ),
        );
    }
    let second = h.invoke(&h.main, IR, json!({}));
    c.check(
        second.as_ref().ok() == Some(&Value::String(text.clone())),
        "byte-identical on a second call",
    );
    c.grade(true)
}

/// `name` occurs in `text` with no identifier character on either side.
fn has_token(text: &str, name: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    text.match_indices(name).any(|(at, _)| {
        !text[..at].chars().next_back().is_some_and(ident)
            && !text[at + name.len()..].chars().next().is_some_and(ident)
    })
}

/// A light structural check of KDL text: strings (quoted, raw, multi-line)
/// and comments close, and braces balance.
fn kdl_well_formed(text: &str) -> Result<(), String> {
    let chars: Vec<char> = text.chars().collect();
    let (mut i, mut depth) = (0usize, 0i64);
    let at = |i: usize, s: &str| chars[i..].iter().take(s.len()).copied().eq(s.chars());
    while i < chars.len() {
        if at(i, "//") {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if at(i, "/*") {
            let mut nest = 0;
            loop {
                if i >= chars.len() {
                    return Err("an unclosed comment".into());
                } else if at(i, "/*") {
                    nest += 1;
                    i += 2;
                } else if at(i, "*/") {
                    nest -= 1;
                    i += 2;
                    if nest == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            continue;
        } else if chars[i] == '#' && chars[i..].iter().find(|c| **c != '#') == Some(&'"') {
            let hashes = chars[i..].iter().take_while(|c| **c == '#').count();
            let close: String = std::iter::once('"')
                .chain("#".repeat(hashes).chars())
                .collect();
            i += hashes + 1;
            while i < chars.len() && !at(i, &close) {
                i += 1;
            }
            if i >= chars.len() {
                return Err("an unclosed raw string".into());
            }
            i += close.len();
            continue;
        } else if chars[i] == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            if i >= chars.len() {
                return Err("an unclosed string".into());
            }
        } else if chars[i] == '{' {
            depth += 1;
        } else if chars[i] == '}' {
            depth -= 1;
            if depth < 0 {
                return Err("an unbalanced `}`".into());
            }
        }
        i += 1;
    }
    if depth == 0 {
        Ok(())
    } else {
        Err("an unclosed `{`".into())
    }
}

// Section 6 -----------------------------------------------------------------------

fn auth(h: &Harness) -> Finding {
    let runs = || h.store().guarded_runs.load(Ordering::SeqCst);
    let before = runs();
    let r = h.call(&h.main, "afi_guarded", json!({}));
    let ran = runs() > before;
    if r.is_ok() {
        return missing(
            "`afi_guarded`, called without an identity, ran and answered: nothing guards it",
        );
    }
    let mut c = Checks::default();
    c.check(true, "a guarded call without an identity is rejected");
    c.check_got(code(&r) == Some("unauthorized"), "with `unauthorized`", &r);
    c.check(!ran, "before its body runs");
    let before = runs();
    let r = h.call(&h.narrow, "afi_guarded", json!({}));
    c.check_got(
        code(&r) == Some("forbidden") && runs() == before,
        "an identity without the role gets `forbidden`, and the body does not run",
        &r,
    );
    let r = h.call(&h.other, "afi_guarded", json!({}));
    c.check_got(
        r.is_ok() && runs() == before + 1,
        "an identity with the role is served",
        &r,
    );
    let other = h.call(&h.main, "afi_echo", json!({"text": "a", "times": 1}));
    c.check_got(other.is_ok(), "unguarded functions still answer", &other);
    c.grade(true)
}

fn per_window_access(h: &Harness) -> Finding {
    let mut c = Checks::default();
    let r = h.call(
        &h.narrow,
        "afi_rename",
        json!({"account_id": 61, "name": "x"}),
    );
    let untouched = !h.store().names.lock().unwrap().contains_key(&61);
    let denied_fn = c.check_got(
        code(&r) == Some("forbidden") && untouched,
        "a scope deny forbids a function, which does not run",
        &r,
    );
    let r = h.ctx(&h.narrow, "afi_team", json!({"team_id": 1}));
    let denied_ctx = c.check_got(
        code(&r) == Some("forbidden"),
        "a scope deny forbids a context",
        &r,
    );
    let r = h.call(&h.narrow, "afi_echo", json!({"text": "a", "times": 1}));
    let r2 = h.ctx(&h.narrow, "afi_account", json!({"account_id": 1}));
    c.check_got(
        r.is_ok() && r2.is_ok(),
        "the rest answers in that window",
        if r.is_ok() { &r2 } else { &r },
    );
    let r = h.call(
        &h.main,
        "afi_rename",
        json!({"account_id": 62, "name": "y"}),
    );
    c.check_got(r.is_ok(), "another window is not affected", &r);
    let r = h.call(&h.bare, "afi_echo", json!({"text": "a", "times": 1}));
    c.check_got(
        refused_by_acl(&r) || code(&r) == Some("forbidden"),
        "a window with no capability is refused",
        &r,
    );
    c.grade(denied_fn || denied_ctx)
}

fn origin_cache(h: &Harness) -> Finding {
    let reads = || h.store().reads_of(41);
    let first = h.ctx(&h.main, "afi_account", json!({"account_id": 41}));
    if first.is_err() {
        return missing(format!("the bundle fetch fails: {}", short(&first)));
    }
    let before = reads();
    let _ = h.ctx(&h.main, "afi_account", json!({"account_id": 41}));
    if reads() > before {
        return missing(
            "a second fetch of the same bundle ran `afi_account_name` again: no origin cache",
        );
    }
    let mut c = Checks::default();
    c.check(true, "a second fetch is served from the origin cache");
    let _ = h.call(
        &h.main,
        "afi_rename",
        json!({"account_id": 41, "name": "Cached"}),
    );
    let before = reads();
    let again = h.ctx(&h.main, "afi_account", json!({"account_id": 41}));
    let evicted = reads() > before
        && again
            .as_ref()
            .is_ok_and(|b| b["data"]["afi_account_name"] == "Cached");
    if !evicted {
        return missing(format!(
            "a reaching target did not evict the cached bundle: it answers stale data ({})",
            short(&again)
        ));
    }
    c.check(true, "a reaching target evicts it");
    let _ = h.call(
        &h.main,
        "afi_rename",
        json!({"account_id": 42, "name": "Other"}),
    );
    let before = reads();
    let _ = h.ctx(&h.main, "afi_account", json!({"account_id": 41}));
    c.check(
        reads() == before,
        "a target that does not reach it keeps it",
    );
    // `other` is ada, `narrow` is bob: the same params, two entries.
    let before = reads();
    let as_ada = h.ctx(&h.other, "afi_account", json!({"account_id": 41}));
    let as_bob = h.ctx(&h.narrow, "afi_account", json!({"account_id": 41}));
    let _ = h.ctx(&h.other, "afi_account", json!({"account_id": 41}));
    c.check(
        as_ada.is_ok() && as_bob.is_ok() && reads() == before + 2,
        "each identity has entries of its own (the same params run once per identity)",
    );
    // The source goes away: the last entry stands in, and the bundle says so.
    h.store().offline.lock().unwrap().insert(41);
    h.app.mizan().invalidate([tauri_plugin_mizan::Target::new(
        "afi_account",
        json!({"account_id": 41}),
    )]);
    let offline = h.ctx(&h.main, "afi_account", json!({"account_id": 41}));
    h.store().offline.lock().unwrap().remove(&41);
    c.check_got(
        offline.as_ref().is_ok_and(|b| {
            b["data"]["afi_account_name"] == "Cached"
                && b["stale"]["afi_account_name"]["error"]["code"] == "app"
                && b["stale"]["afi_account_name"]["stored_at"].is_u64()
        }),
        "a failing run is answered by the last entry, named under `stale`",
        &offline,
    );
    c.check(
        edited_record_is_dropped(),
        "a record edited in the store file is dropped, never served",
    );
    c.grade(true)
}

/// An app caches a name and exits; a local user edits the name in the
/// store file; the restarted app must run the function again, not serve
/// the edit, fresh or as a stand-in for a failure.
fn edited_record_is_dropped() -> bool {
    let dir = std::env::temp_dir().join(format!("mizan-afi-integrity-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let app = |name: &str| {
        let h = Harness::new(tauri_plugin_mizan::Builder::new().cache_dir(&dir).build());
        h.store().names.lock().unwrap().insert(43, name.to_owned());
        h
    };
    let fetch = |h: &Harness| h.ctx(&h.main, "afi_account", json!({"account_id": 43}));
    let before = app("rate-7777-ok");
    let cached = fetch(&before).is_ok_and(|b| b["data"]["afi_account_name"] == "rate-7777-ok");
    before.app.mizan().close_cache();
    drop(before);
    let path = dir.join("cache.redb");
    let Ok(bytes) = std::fs::read(&path) else {
        return false;
    };
    let (from, to) = (b"rate-7777-ok", b"rate-6666-ok");
    let Some(at) = bytes.windows(from.len()).position(|w| w == from) else {
        return false;
    };
    let mut edited = bytes;
    edited[at..at + to.len()].copy_from_slice(to);
    if std::fs::write(&path, edited).is_err() {
        return false;
    }
    let after = app("rate-7777-ok");
    after.store().offline.lock().unwrap().insert(43);
    let offline = fetch(&after);
    after.store().offline.lock().unwrap().remove(&43);
    let online = fetch(&after);
    let _ = std::fs::remove_dir_all(&dir);
    cached
        && offline.is_ok_and(|b| {
            b["errors"]["afi_account_name"]["code"] == "app" && b.get("stale").is_none()
        })
        && online.is_ok_and(|b| b["data"]["afi_account_name"] == "rate-7777-ok")
        && after.store().reads_of(43) == 2
}

fn uploads(h: &Harness) -> Finding {
    let bytes: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    let name = "résumé «ملف» 📄.bin";
    let meta = |size: usize| json!({"fn": "afi_upload", "args": {"file": {"$upload": 0}}, "files": [{"name": name, "type": "application/octet-stream", "size": size}]});
    let header = |value: &Value| {
        let text: String = percent_encoding::utf8_percent_encode(
            &value.to_string(),
            percent_encoding::NON_ALPHANUMERIC,
        )
        .to_string();
        headers(&[(UPLOAD_HEADER, &text)])
    };
    let send = |bytes: Vec<u8>| {
        invoke_with(
            &h.main,
            UPLOAD,
            InvokeBody::Raw(bytes.clone()),
            header(&meta(bytes.len())),
        )
    };
    let runs = || h.store().uploads.lock().unwrap().len();
    let r = send(bytes.clone());
    if r.is_err() {
        return missing(format!(
            "a raw body sent to `{UPLOAD}` is refused: {}",
            short(&r)
        ));
    }
    let mut c = Checks::default();
    let echoed = r
        .as_ref()
        .is_ok_and(|v| v["result"] == json!(UploadEcho::of(&bytes).named(name)));
    let kept = h.store().uploads.lock().unwrap().last() == Some(&bytes);
    let core = c.check_got(
        echoed && kept,
        "3000 raw bytes and a non-ASCII file name arrive at the function exactly",
        &r,
    );
    let before = runs();
    let r = send(vec![7; LIMIT + 1]);
    c.check_got(
        code(&r) == Some("payload_too_large") && runs() == before,
        "an upload over the limit is `payload_too_large`, and the function does not run",
        &r,
    );
    let r = invoke_with(
        &h.main,
        UPLOAD,
        InvokeBody::Raw(bytes.clone()),
        header(&meta(bytes.len() + 1)),
    );
    c.check_got(
        code(&r) == Some("invalid_args") && runs() == before,
        "a header that does not match the body is `invalid_args`",
        &r,
    );
    // Chunked: two chunks, the second first (refused), then in order.
    let begun = invoke_with(
        &h.main,
        UPLOAD_BEGIN,
        InvokeBody::Json(meta(bytes.len())),
        headers(&[]),
    );
    let id = begun
        .as_ref()
        .ok()
        .and_then(|v| v["id"].as_str())
        .unwrap_or_default()
        .to_owned();
    let chunk = |offset: usize, part: &[u8]| {
        invoke_with(
            &h.main,
            UPLOAD_CHUNK,
            InvokeBody::Raw(part.to_vec()),
            header(&json!({"id": id, "offset": offset})),
        )
    };
    let early = chunk(1000, &bytes[1000..]);
    let first = chunk(0, &bytes[..1000]);
    let last = chunk(1000, &bytes[1000..]);
    c.check_got(
        code(&early) == Some("invalid_args")
            && first.is_ok()
            && last
                .as_ref()
                .is_ok_and(|v| v["result"] == json!(UploadEcho::of(&bytes).named(name))),
        "a chunked upload arrives whole, its chunks in order (one out of order is `invalid_args`)",
        &last,
    );
    // A binary result: the bytes raw, no JSON.
    let raw = tauri::test::get_ipc_response(
        &h.main,
        common::request(
            "plugin:mizan|call",
            InvokeBody::Json(json!({"fn": "afi_download", "args": {"len": 300}})),
            headers(&[]),
        ),
    );
    let expected: Vec<u8> = (0..300u32).map(|i| (i % 256) as u8).collect();
    c.check(
        matches!(&raw, Ok(tauri::ipc::InvokeResponseBody::Raw(b)) if *b == expected),
        "a query returning `Bytes` answers them raw",
    );
    c.grade(core)
}

/// The numbers a channel carried, in batches (`{"items": [...]}`).
fn items(messages: &[crate::harness::ChannelMessage]) -> Vec<u64> {
    messages
        .iter()
        .filter_map(|m| m.body.get("items").and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_u64)
        .collect()
}

fn wait_for(mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(3) {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    done()
}

fn streams(h: &Harness) -> Finding {
    let channel = |id: u32| format!("__CHANNEL__:{id}");
    let r = h.invoke(
        &h.main,
        STREAM,
        json!({"fn": "afi_ticks", "args": {"to": 3}, "channel": channel(7001)}),
    );
    if r.is_err() {
        return missing(format!(
            "`{STREAM}` with a `Channel` is refused: {}",
            short(&r)
        ));
    }
    let mut c = Checks::default();
    let ended = |id: u32| {
        h.channel(id)
            .iter()
            .any(|m| m.body.get("end").is_some() || m.body.get("error").is_some())
    };
    wait_for(|| ended(7001));
    let got = items(&h.channel(7001));
    let in_order = got == [1, 2, 3];
    let core = c.check(
        in_order,
        &(if in_order {
            "items arrive in order over the channel".to_owned()
        } else {
            format!("items arrive in order over the channel (got {got:?})")
        }),
    );
    let last = h.channel(7001).last().map(|m| m.body.clone());
    let end = last == Some(json!({"end": true, "invalidate": []}));
    let last = last.map_or_else(|| "nothing".to_owned(), |v| v.to_string());
    c.check(
        end,
        &(if end {
            "then the end marker".to_owned()
        } else {
            format!("then the end marker (got {last})")
        }),
    );

    let sent = || h.store().ticks_sent.load(Ordering::SeqCst);
    let webview = h.main.clone();
    let producer = std::thread::spawn(move || {
        let body =
            json!({"fn": "afi_ticks_slow", "args": {"to": 400}, "channel": "__CHANNEL__:7002"});
        invoke_with(&webview, STREAM, InvokeBody::Json(body), Default::default())
    });
    wait_for(|| items(&h.channel(7002)).len() >= 3);
    let cancel = h.invoke(&h.main, STREAM_CANCEL, json!({"channel": channel(7002)}));
    std::thread::sleep(Duration::from_millis(100));
    let at_cancel = sent();
    std::thread::sleep(Duration::from_millis(200));
    let stopped = sent() == at_cancel && at_cancel < 400;
    let _ = producer.join();
    c.check_got(
        cancel.is_ok() && stopped,
        "cancelling stops the producer",
        &cancel,
    );
    c.grade(core)
}

fn forms(h: &Harness) -> Finding {
    let runs = || h.store().signup_runs.load(Ordering::SeqCst);
    let mut c = Checks::default();
    let schema = h.invoke(&h.main, FORM_SCHEMA, json!({}));
    let fields: Vec<String> = schema
        .as_ref()
        .ok()
        .and_then(Value::as_str)
        .and_then(|text| tauri_plugin_mizan::codegen::Ir::from_kdl(text).ok())
        .and_then(|ir| ir.function("afi_signup").and_then(|f| f.form.clone()))
        .map(|form| form.fields.into_iter().map(|f| f.name).collect())
        .unwrap_or_default();
    let described = fields == ["name", "age"];
    c.check(
        described,
        &if described {
            "the IR's form schema describes the fields by wire name".to_owned()
        } else {
            format!("the IR's form schema describes the fields (found {fields:?})")
        },
    );
    let invalid = json!({"fn": "afi_signup", "args": {"form": {"name": "", "age": 3}}});
    let field_errors = |r: &Reply| {
        code(r) == Some("invalid_form")
            && r.as_ref().err().is_some_and(|e| {
                ["name", "age"].iter().all(|f| {
                    e["details"]["fields"][f]
                        .as_array()
                        .is_some_and(|a| !a.is_empty())
                })
            })
    };
    let before = runs();
    let v = h.invoke(&h.main, FORM_VALIDATE, invalid.clone());
    c.check_got(
        field_errors(&v) && runs() == before,
        "`validate` answers `invalid_form` field errors without running the function",
        &v,
    );
    let s = h.invoke(&h.main, FORM_SUBMIT, invalid);
    c.check_got(
        field_errors(&s) && runs() == before,
        "a submit (`call`) refuses invalid fields",
        &s,
    );
    let s = h.invoke(
        &h.main,
        FORM_SUBMIT,
        json!({"fn": "afi_signup", "args": {"form": {"name": "Ada", "age": 30}}}),
    );
    c.check_got(
        s.as_ref().is_ok_and(|v| v["result"] == "Ada (30)") && runs() == before + 1,
        "a submit (`call`) runs the function with valid fields",
        &s,
    );
    if c.seen.is_empty() {
        return missing(format!(
            "the form commands are refused: `{FORM_VALIDATE}`: {}",
            short(&v)
        ));
    }
    c.grade(true)
}

fn shapes(h: &Harness) -> Finding {
    let r = h.invoke(&h.main, IR, json!({}));
    let Ok(Value::String(text)) = &r else {
        return missing(format!(
            "no IR to declare the Shape `AfiAccountCard` in: {}",
            short(&r)
        ));
    };
    // The type's node holds a `shape <table>` node, then its columns.
    let block: Vec<&str> = text
        .lines()
        .skip_while(|l| !(l.starts_with("type ") && has_token(l, "AfiAccountCard")))
        .skip(1)
        .take_while(|l| l.starts_with(' '))
        .map(str::trim)
        .collect();
    let Some(shape) = block.first().filter(|l| l.starts_with("shape ")) else {
        return missing("the IR does not declare `AfiAccountCard` as a Shape");
    };
    let mut c = Checks::default();
    c.check(true, "the IR declares the Shape `AfiAccountCard`");
    let columns: Vec<&str> = block
        .iter()
        .skip(1)
        .take_while(|l| l.starts_with("column "))
        .map(|l| l["column ".len()..].split(' ').next().unwrap_or(""))
        .collect();
    c.check(
        has_token(shape, "accounts") && has_token(shape, "key=id") && columns == ["id", "name"],
        "the Shape names its table, its key and exactly its columns",
    );
    let rows = h.call(&h.main, "afi_account_cards", json!({}));
    c.check_got(
        rows.as_ref().is_ok_and(|v| {
            v["result"].as_array().is_some_and(|rows| {
                rows.len() == 2
                    && rows.iter().all(|row| {
                        row.as_object()
                            .is_some_and(|o| o.keys().map(String::as_str).eq(["id", "name"]))
                    })
            })
        }),
        "`afi_account_cards` answers the table's rows holding exactly the Shape's fields",
        &rows,
    );
    c.grade(true)
}

fn jwt(h: &Harness) -> Finding {
    let runs = || h.store().guarded_runs.load(Ordering::SeqCst);
    let guarded = |token: &str| {
        let before = runs();
        let r = invoke_with(
            &h.main,
            "plugin:mizan|call",
            InvokeBody::Json(json!({"fn": "afi_guarded", "args": {}})),
            headers(&[(TOKEN_HEADER, &format!("Bearer {token}"))]),
        );
        (r, runs() > before)
    };
    let (forged, ran) = guarded("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.Zm9yZ2Vk");
    let forged_refused = code(&forged) == Some("unauthorized") && !ran;
    let reason = |r: &Reply| {
        r.as_ref()
            .err()
            .and_then(|e| e["details"]["reason"].as_str())
            .map(str::to_owned)
    };
    let Some(valid) = fixture::mint_token(&h.app, "ada", 300) else {
        return missing(format!(
            "the app cannot mint a token (no JWT support); a forged bearer token {}",
            if forged_refused {
                "is refused".to_owned()
            } else {
                "is not refused: the guarded call ran".to_owned()
            }
        ));
    };
    let mut c = Checks::default();
    let core = c.check_got(forged_refused, "a forged token is `unauthorized`", &forged);
    c.check_got(
        reason(&forged).as_deref() == Some("invalid_token"),
        "with `details.reason: invalid_token`",
        &forged,
    );
    let (r, _) = guarded(&valid);
    c.check_got(r.is_ok(), "a valid token gives the identity", &r);
    if let Some(expired) = fixture::mint_token(&h.app, "ada", -120) {
        let (r, ran) = guarded(&expired);
        c.check_got(
            code(&r) == Some("unauthorized") && !ran,
            "an expired token is `unauthorized`",
            &r,
        );
        c.check_got(
            reason(&r).as_deref() == Some("token_expired"),
            "with `details.reason: token_expired`",
            &r,
        );
    }
    match fixture::refresh_token(&h.app, &valid) {
        Some(fresh) => {
            let (r, _) = guarded(&fresh);
            c.check_got(r.is_ok(), "a refreshed token works", &r);
        }
        None => {
            c.check(false, "a refreshed token works");
        }
    }
    c.grade(core)
}

fn hydration(h: &Harness) -> Finding {
    let Some(script) = fixture::hydration_script(&h.app, 51) else {
        return missing(
            "the plugin renders no bundle into a window's initialization script (no hydration API)",
        );
    };
    let mut c = Checks::default();
    c.check(!script.trim().is_empty(), "a script is rendered");
    let bundle = h.ctx(&h.main, "afi_account", json!({"account_id": 51}));
    let holds = bundle.as_ref().is_ok_and(|b| {
        let literal = script.contains("afi_account")
            && b["data"]
                .as_object()
                .is_some_and(|d| d.values().all(|v| script.contains(&v.to_string())));
        // A snapshot embedded as a JSON string (parsed once by the page).
        let embedded = embedded_json(&script)
            .is_some_and(|snap| snap["bundles"].as_array().is_some_and(|bs| bs.contains(b)));
        literal || embedded
    });
    c.check_got(holds, "it holds the bundle as `ctx` answers it", &bundle);
    let snapshot = embedded_json(&script);
    c.check(
        snapshot
            .as_ref()
            .is_some_and(|s| s.get("identity").is_some()),
        "the snapshot carries the identity it was computed for",
    );
    c.check(
        !script.contains('<') && !script.contains('\u{2028}') && !script.contains('\u{2029}'),
        "its text cannot end a `<script>` element",
    );
    c.check(
        script.contains("window.top") && script.contains("__MIZAN_CONFIRM__"),
        "it hands the snapshot only to the top frame, once the plugin confirmed the page",
    );
    c.grade(!script.trim().is_empty())
}

/// The first JSON document a script carries as a JS string literal.
fn embedded_json(script: &str) -> Option<Value> {
    script.match_indices('"').find_map(|(i, _)| {
        let mut strings = serde_json::Deserializer::from_str(&script[i..]).into_iter::<String>();
        let text = strings.next()?.ok()?;
        serde_json::from_str::<Value>(&text)
            .ok()
            .filter(Value::is_object)
    })
}

fn single_flight(h: &Harness) -> Finding {
    let listed = json!([
        {"context": "afi_account", "params": {"account_id": 61}},
        {"context": "afi_account", "params": {"account_id": 62}},
        {"context": "afi_team", "params": {"team_id": 1}}
    ]);
    let body =
        json!({"fn": "afi_rename", "args": {"account_id": 61, "name": "Grace"}, "refresh": listed});
    let ok = h.invoke(&h.main, "plugin:mizan|call", body);
    if code(&ok) == Some("invalid_args") {
        return missing("`call` refuses a `refresh` list (no single-flight refresh)");
    }
    let mut c = Checks::default();
    let bundles = ok
        .as_ref()
        .map(|v| v["bundles"].clone())
        .unwrap_or(Value::Null);
    let fresh = h.ctx(&h.main, "afi_account", json!({"account_id": 61}));
    let core = c.check_got(
        fresh.as_ref().is_ok_and(|f| bundles == json!([f]))
            && bundles[0]["data"]["afi_account_name"] == json!("Grace"),
        "the envelope carries exactly the listed bundle the targets reach, fresh, as `ctx` answers it",
        &ok,
    );
    let failed = h.invoke(
        &h.main,
        "plugin:mizan|call",
        json!({"fn": "afi_rename", "args": {"account_id": 61, "name": ""}, "refresh": [{"context": "afi_account", "params": {"account_id": 61}}]}),
    );
    c.check_got(
        code(&failed) == Some("app")
            && failed
                .as_ref()
                .err()
                .is_some_and(|e| e.get("bundles").is_none()),
        "a failed mutation carries none",
        &failed,
    );
    let narrow = h.invoke(
        &h.narrow,
        "plugin:mizan|call",
        json!({"fn": "afi_reset", "args": {"reason": "x"}, "refresh": [{"context": "afi_team", "params": {"team_id": 1}}]}),
    );
    c.check_got(
        narrow.as_ref().is_ok_and(|v| v["bundles"] == json!([])),
        "a window gets no bundle its access refuses",
        &narrow,
    );
    c.grade(core)
}

#[test]
fn the_ir_checks_read_kdl() {
    let doc = r##"mizan-ir 1
// a comment with a } in it
function afi_echo kind=query {
    param text { string }
    doc "a \"quoted\" { brace"
    raw #"a "raw" } string"#
    /* a /* nested */ comment { */
}
type AfiAccountCard { struct { field id { u32 } } }
"##;
    assert_eq!(kdl_well_formed(doc), Ok(()));
    assert!(kdl_well_formed("a {").is_err());
    assert!(kdl_well_formed("a }").is_err());
    assert!(kdl_well_formed("a \"b").is_err());
    assert!(kdl_well_formed("a #\"b\"").is_err());
    assert!(has_token(doc, "afi_echo"));
    assert!(has_token("context=afi_account {", "afi_account"));
    assert!(!has_token("afi_account_name", "afi_account"));
    assert!(!has_token("afi_echo_twice", "afi_echo"));
}
