#![allow(missing_docs, unreachable_pub)]
//! The conformance suite: Mizan's AFI capabilities (`manifest.toml`), one
//! probe per applicable capability (`probes.rs`), and README.md's capability
//! table generated from what the probes find.
//!
//! `cargo test --test afi` fails while README.md's table differs from the
//! probes' findings; `MIZAN_AFI_WRITE=1 cargo test --test afi` rewrites it.
//! A capability that is not built is reported missing: a gap in the table
//! and a line in the owed list, not a failure.

#[path = "../common/mod.rs"]
mod common;
mod fixture;
mod harness;
mod probes;

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
    sync::OnceLock,
};

use serde::Deserialize;

use harness::Harness;
use probes::{Finding, Status, PROBES};

const BEGIN: &str = "<!-- afi:table:begin -->";
const END: &str = "<!-- afi:table:end -->";
const WRITE_ENV: &str = "MIZAN_AFI_WRITE";
const REGENERATE: &str = "MIZAN_AFI_WRITE=1 cargo test --test afi";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    capability: Vec<Capability>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Capability {
    id: String,
    title: String,
    spec: String,
    applicable: bool,
    /// What the probe must observe to report wired.
    wired: Option<String>,
    /// What partial means for this capability.
    partial: Option<String>,
    /// The work a missing capability owes.
    owed: Option<String>,
    /// Why it does not apply to this adapter.
    reason: Option<String>,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn manifest() -> Manifest {
    let path = root().join("tests/afi/manifest.toml");
    let text = std::fs::read_to_string(&path).expect("tests/afi/manifest.toml");
    toml::from_str(&text).unwrap_or_else(|e| panic!("tests/afi/manifest.toml: {e}"))
}

/// Runs one probe; a probe that panics reports missing.
fn run_probe(probe: probes::Probe, harness: &Harness) -> Finding {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| probe(harness))).unwrap_or_else(
        |panic| {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Finding {
                status: Status::Missing,
                evidence: format!("the probe failed: {why}"),
            }
        },
    )
}

/// Every probe against the plugin as an app configures it, once per run.
fn findings() -> &'static [(&'static str, Finding)] {
    static FINDINGS: OnceLock<Vec<(&'static str, Finding)>> = OnceLock::new();
    FINDINGS.get_or_init(|| {
        let harness = Harness::standard();
        PROBES
            .iter()
            .map(|(id, probe)| (*id, run_probe(*probe, &harness)))
            .collect()
    })
}

fn finding<'a>(findings: &'a [(&str, Finding)], id: &str) -> &'a Finding {
    &findings
        .iter()
        .find(|(p, _)| *p == id)
        .unwrap_or_else(|| panic!("no finding for `{id}`"))
        .1
}

fn symbol(status: Option<Status>) -> &'static str {
    match status {
        Some(Status::Wired) => "✅ wired",
        Some(Status::Partial) => "🟡 partial",
        Some(Status::Missing) => "❌ missing",
        None => "➖ n/a",
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The generated region between the markers (markers excluded).
fn render(manifest: &Manifest, findings: &[(&str, Finding)]) -> String {
    let mut out = String::new();
    out.push_str(
        "Generated from what the conformance probes in `tests/afi/` find; do not edit by hand \
         (regenerate with `",
    );
    out.push_str(REGENERATE);
    out.push_str(
        "`). What wired and partial mean for each capability: `tests/afi/manifest.toml`.\n\n",
    );
    out.push_str(
        "Legend: ✅ wired · 🟡 partial · ❌ missing · ➖ not applicable to an IPC transport\n\n",
    );
    out.push_str("| capability | protocol | status | what the probe found |\n|---|---|---|---|\n");
    let (mut applicable, mut wired, mut owed) = (0, 0, Vec::new());
    for cap in &manifest.capability {
        let (status, notes) = if cap.applicable {
            let f = finding(findings, &cap.id);
            applicable += 1;
            if f.status == Status::Wired {
                wired += 1;
            } else {
                owed.push(format!("`{}`", cap.id));
            }
            (Some(f.status), f.evidence.clone())
        } else {
            (None, cap.reason.clone().unwrap_or_default())
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            cell(&cap.title),
            sections(&cap.spec),
            symbol(status),
            cell(&notes)
        ));
    }
    out.push_str(&format!(
        "\n{wired} of {applicable} applicable capabilities wired."
    ));
    if !owed.is_empty() {
        out.push_str(&format!(" Owed: {}.", owed.join(", ")));
    }
    out.push('\n');
    out
}

/// `readme` with `table` between the markers.
fn splice(readme: &str, table: &str) -> Result<String, String> {
    let begin = readme
        .find(BEGIN)
        .ok_or_else(|| format!("README.md has no `{BEGIN}` marker"))?;
    let after = begin + BEGIN.len();
    let end = readme[after..]
        .find(END)
        .map(|i| after + i)
        .ok_or_else(|| format!("README.md has no `{END}` marker after `{BEGIN}`"))?;
    Ok(format!("{}\n{}{}", &readme[..after], table, &readme[end..]))
}

/// Check mode: `readme` must hold exactly `table` between its markers.
fn check(readme: &str, table: &str) -> Result<(), String> {
    let expected = splice(readme, table)?;
    if expected == readme {
        return Ok(());
    }
    let region = |text: &str| -> Vec<String> {
        let start = text.find(BEGIN).unwrap_or(0);
        let stop = text.find(END).unwrap_or(text.len());
        text[start..stop].lines().map(str::to_owned).collect()
    };
    let (have, want) = (region(readme), region(&expected));
    let mut diff = String::new();
    for line in want.iter().filter(|l| !have.contains(l)) {
        diff.push_str(&format!("+ {line}\n"));
    }
    for line in have.iter().filter(|l| !want.contains(l)) {
        diff.push_str(&format!("- {line}\n"));
    }
    Err(format!(
        "README.md's capability table differs from what the probes found \
         (regenerate with `{REGENERATE}`):\n{diff}"
    ))
}

/// What the suite owes, one line per capability that is not wired.
fn owed_list(manifest: &Manifest, findings: &[(&str, Finding)]) -> String {
    let mut out = String::new();
    for cap in manifest.capability.iter().filter(|c| c.applicable) {
        let f = finding(findings, &cap.id);
        if f.status != Status::Wired {
            out.push_str(&format!(
                "- {} [{}]: {}\n    owed: {}\n",
                cap.title,
                symbol(Some(f.status)),
                f.evidence,
                cap.owed
                    .as_deref()
                    .or(cap.wired.as_deref())
                    .unwrap_or_default()
            ));
        }
    }
    out
}

fn readme_path() -> PathBuf {
    root().join("README.md")
}

#[test]
fn readme_table_matches_the_probes() {
    let manifest = manifest();
    let findings = findings();
    let table = render(&manifest, findings);
    let owed = owed_list(&manifest, findings);
    if owed.is_empty() {
        println!("Every applicable capability is wired.");
    } else {
        println!("Owed (reported, not failed):\n{owed}");
    }
    if std::fs::create_dir_all(root().join("tests/afi/out")).is_ok() {
        let json: Vec<_> = findings
            .iter()
            .map(
                |(id, f)| serde_json::json!({"id": id, "status": f.status, "evidence": f.evidence}),
            )
            .collect();
        let _ = std::fs::write(
            root().join("tests/afi/out/findings.json"),
            serde_json::to_string_pretty(&json).unwrap(),
        );
    }

    let path = readme_path();
    let readme = std::fs::read_to_string(&path).expect("README.md");
    if std::env::var_os(WRITE_ENV).is_some_and(|v| v != "0") {
        let written = splice(&readme, &table).unwrap_or_else(|e| panic!("{e}"));
        if written != readme {
            std::fs::write(&path, written).expect("write README.md");
            println!("README.md's capability table rewritten.");
        }
    } else if let Err(e) = check(&readme, &table) {
        panic!("{e}");
    }
}

#[test]
fn a_hand_edited_table_fails_the_check() {
    let manifest = manifest();
    let table = render(&manifest, findings());
    let readme = std::fs::read_to_string(readme_path()).expect("README.md");
    let generated = splice(&readme, &table).unwrap();

    // The generated README passes, read back from a copy on disk.
    let copy = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("afi-README-{}.md", std::process::id()));
    std::fs::write(&copy, &generated).unwrap();
    let on_disk = std::fs::read_to_string(&copy).unwrap();
    assert_eq!(check(&on_disk, &table), Ok(()));

    // Turning a row green by hand fails it; so does any other edit.
    let gap = ["❌ missing", "🟡 partial"]
        .into_iter()
        .find(|s| on_disk.contains(&format!("| {s} |")));
    let edited = match gap {
        Some(s) => on_disk.replacen(&format!("| {s} |"), "| ✅ wired |", 1),
        None => on_disk.replacen("| ✅ wired |", "| ❌ missing |", 1),
    };
    assert_ne!(edited, on_disk);
    std::fs::write(&copy, &edited).unwrap();
    let err = check(&std::fs::read_to_string(&copy).unwrap(), &table).unwrap_err();
    assert!(err.contains(REGENERATE), "{err}");

    let reworded = on_disk.replacen("observed:", "seen:", 1);
    assert!(check(&reworded, &table).is_err());
    let unmarked = on_disk.replace(END, "");
    assert!(check(&unmarked, &table).is_err());
    let _ = std::fs::remove_file(&copy);
}

#[test]
fn broken_scoping_is_reported_missing() {
    // The probes tell the difference: against the plugin as configured,
    // scoping is wired ...
    for id in ["scoping", "invalidate-in-body"] {
        assert_eq!(
            finding(findings(), id).status,
            Status::Wired,
            "{id}: {:?}",
            finding(findings(), id)
        );
    }
    // ... and with scoping switched off on purpose, both report missing.
    let broken = Harness::without_scoping();
    for (id, probe) in PROBES
        .iter()
        .filter(|(id, _)| ["scoping", "invalidate-in-body"].contains(id))
    {
        let f = run_probe(*probe, &broken);
        assert_eq!(f.status, Status::Missing, "{id}: {f:?}");
    }
    // The rest of the core does not depend on scoping.
    let f = run_probe(
        PROBES.iter().find(|(id, _)| *id == "call").unwrap().1,
        &broken,
    );
    assert_eq!(f.status, Status::Wired, "{f:?}");
}

#[test]
fn every_capability_has_exactly_one_probe() {
    let manifest = manifest();
    let mut ids = BTreeSet::new();
    for cap in &manifest.capability {
        assert!(ids.insert(cap.id.as_str()), "`{}` is listed twice", cap.id);
        let probes = PROBES.iter().filter(|(id, _)| *id == cap.id).count();
        if cap.applicable {
            assert_eq!(probes, 1, "`{}` needs exactly one probe", cap.id);
            assert!(
                cap.wired.is_some() && cap.partial.is_some() && cap.reason.is_none(),
                "`{}`: an applicable capability says what wired and partial mean",
                cap.id
            );
        } else {
            assert_eq!(probes, 0, "`{}` is not applicable: no probe", cap.id);
            assert!(
                cap.reason.is_some() && cap.wired.is_none(),
                "`{}`: say why it does not apply",
                cap.id
            );
        }
    }
    for (id, _) in PROBES {
        assert!(ids.contains(id), "probe `{id}` has no manifest entry");
    }
    // The protocol's core and every capability.
    for id in [
        "call",
        "bundle",
        "invalidate-in-body",
        "scoping",
        "discovery",
        "ir",
        "auth",
        "per-window-access",
        "origin-cache",
        "uploads",
        "streams",
        "forms",
        "shapes",
        "jwt",
        "hydration",
    ] {
        assert!(ids.contains(id), "the manifest lacks `{id}`");
    }
    assert!(
        manifest
            .capability
            .iter()
            .filter(|c| !c.applicable)
            .all(|c| c.id.starts_with("http-")),
        "only the HTTP-only rows are not applicable"
    );
}

/// `"Transport, Errors"` as links to those sections of `docs/protocol.md`.
fn sections(titles: &str) -> String {
    titles
        .split(", ")
        .map(|t| {
            let anchor: String = t
                .to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-')
                .map(|c| if c == ' ' { '-' } else { c })
                .collect();
            format!("[{t}](docs/protocol.md#{anchor})")
        })
        .collect::<Vec<_>>()
        .join(", ")
}
