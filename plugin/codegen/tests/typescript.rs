//! Every IR the reader accepts gives a TypeScript module that `tsc
//! --strict` accepts and that does nothing when it loads but declare its
//! exports; or the generator refuses it with a typed error naming the name.
//!
//! Random IRs put names from the whole Unicode range (and the fragments
//! that end comments and strings: `*/`, quotes, backslashes, line
//! separators) in every place the IR holds a name, a doc or a string. The
//! modules of one run are checked together: one `tsc` run type-checks them
//! and writes their JavaScript, and one `node` run imports each with a
//! stub runtime, checks that it declares exactly the functions and contexts
//! of its IR (each function calls the runtime with its exact wire name) and
//! that it touches no global. A failing random case is shrunk, then printed
//! as IR text.
//!
//! `tsc` is the one `tests/ts` installs (`npm ci` there when it is missing).

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use proptest::{
    collection::vec,
    prelude::*,
    strategy::ValueTree,
    test_runner::{Config, TestRunner},
};
use tauri_plugin_mizan_codegen::{
    generate_ts, Affect, Auth, ContextDef, Enum, Field, FnKind, Function, GenError, Ir, Literal,
    Param, Primitive, ReadError, Repr, ScopePair, Struct, StructTag, TsOptions, Type, TypeDef,
    Variant,
};

/// Random IRs per run (plus the fixed hostile ones).
const CASES: u32 = 48;

// Strategies --------------------------------------------------------------------

/// Pieces that end or open comments, strings and template literals.
const FRAGMENTS: &[&str] = &[
    "*/",
    "/*",
    "/**",
    "//",
    "'",
    "\"",
    "`",
    "${",
    "\\",
    "\\u",
    "\n",
    "\r",
    "\u{2028}",
    "\u{2029}",
    "\u{0}",
    "\u{202E}",
    "\u{FEFF}",
    "@param",
    "alert(1);",
    "}",
    "{",
    "<",
    "-->",
    " ",
    "ß",
    "Größe",
    "_",
    "$",
    "1",
];

/// Letters of the scripts identifiers keep, and a few beyond them.
const LETTERS: &[&str] = &[
    "größe",
    "Straße",
    "получить",
    "ユーザー",
    "取得",
    "ελέγχος",
    "اسم",
    "नाम",
    "ชื่อ",
    "이름",
    "სახელი",
    "e\u{301}",
    "𞤀",
    "ꓐ",
    "ǅ",
    "İ",
];

/// Any characters, or hostile fragments, mixed with letters most of the
/// time (two names without a letter both become `_`, and the generator
/// rightly refuses the clash).
fn name() -> impl Strategy<Value = String> {
    let any_chars = || vec(any::<char>(), 0..10).prop_map(String::from_iter);
    let fragments = || vec(proptest::sample::select(FRAGMENTS), 1..5).prop_map(|v| v.concat());
    let letters = || vec(proptest::sample::select(LETTERS), 1..3).prop_map(|v| v.join("_"));
    prop_oneof![
        1 => any_chars(),
        3 => (any_chars(), letters(), any_chars()).prop_map(|(a, l, b)| format!("{a}{l}{b}")),
        3 => (fragments(), "[a-z][a-zA-Z0-9_]{0,8}", fragments()).prop_map(|(a, l, b)| format!("{a}{l}{b}")),
        1 => fragments(),
        2 => "[a-z_][a-zA-Z0-9_]{0,8}",
        2 => letters(),
    ]
}

fn type_name() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[A-Z][A-Za-z0-9]{0,6}",
        2 => proptest::sample::select(LETTERS).prop_map(|l| format!("T{l}")),
        1 => name(),
    ]
}

fn doc() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(vec(name(), 1..4).prop_map(|v| v.join("\n")))
}

/// Names and docs enough to fill one IR; [`build`] makes them a valid IR.
#[derive(Debug, Clone)]
struct Pieces {
    contexts: Vec<String>,
    context_fns: Vec<String>,
    calls: Vec<String>,
    params: Vec<String>,
    types: Vec<String>,
    words: Vec<String>,
    docs: Vec<Option<String>>,
    choices: Vec<u8>,
}

fn pieces() -> impl Strategy<Value = Pieces> {
    (
        vec(name(), 1..3),
        vec(name(), 1..4),
        vec(name(), 1..4),
        vec(name(), 1..5),
        vec(type_name(), 0..4),
        vec(name(), 1..8),
        vec(doc(), 12),
        vec(any::<u8>(), 16),
    )
        .prop_map(
            |(contexts, context_fns, calls, params, types, words, docs, choices)| Pieces {
                contexts,
                context_fns,
                calls,
                params,
                types,
                words,
                docs,
                choices,
            },
        )
}

/// `names` made unique by a suffix on repeats.
fn unique(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        let mut n = n.clone();
        while out.contains(&n) {
            n.push('2');
        }
        out.push(n);
    }
    out
}

/// A valid IR holding every piece somewhere: contexts with their
/// functions and params, queries and mutations (affects with scope pairs,
/// roles, docs), structs (tagged, with docs), enums of every representation,
/// generics and string literals.
fn build(p: &Pieces) -> Ir {
    let pick = |i: usize| p.choices[i % p.choices.len()] as usize;
    let doc = |i: usize| p.docs[i % p.docs.len()].clone();
    let word = |i: usize| p.words[i % p.words.len()].clone();
    let mut ir = Ir::default();

    let types = unique(&p.types);
    for (i, t) in types.iter().enumerate() {
        let fields = unique(&p.words);
        let tag = (pick(i + 1) % 2 == 0).then(|| StructTag {
            field: word(i + 3),
            value: word(i + 4),
        });
        let ty = match pick(i) % 3 {
            0 => Type::Struct(Struct {
                fields: fields
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| tag.as_ref().is_none_or(|t| **f != t.field))
                    .map(|(j, f)| Field {
                        name: f.clone(),
                        ty: Type::Literal(Literal::String(word(j + 1))),
                        optional: j % 2 == 1,
                        flatten: false,
                        doc: doc(j + i),
                    })
                    .collect(),
                tag,
            }),
            1 => Type::Enum(Enum {
                repr: match pick(i + 2) % 4 {
                    0 => Repr::External,
                    1 => Repr::Internal { tag: word(i) },
                    2 => Repr::Adjacent {
                        tag: word(i),
                        content: word(i + 1),
                    },
                    _ => Repr::Untagged,
                },
                variants: fields
                    .iter()
                    .enumerate()
                    .map(|(j, v)| Variant {
                        name: v.clone(),
                        payload: match j % 3 {
                            0 => None,
                            1 => Some(Type::Primitive(Primitive::u32)),
                            _ => Some(Type::Struct(Struct {
                                tag: None,
                                fields: vec![Field {
                                    name: word(j + 2),
                                    ty: Type::Primitive(Primitive::bool),
                                    optional: false,
                                    flatten: false,
                                    doc: doc(j),
                                }],
                            })),
                        },
                        doc: doc(j + 2),
                    })
                    .collect(),
            }),
            _ => Type::Literal(Literal::String(word(i))),
        };
        ir.types.push(TypeDef {
            name: t.clone(),
            generics: Vec::new(),
            doc: doc(i),
            ty,
            shape: None,
        });
    }
    let some_type = |i: usize| match types.get(i % types.len().max(1)) {
        Some(t) => Type::Ref {
            name: t.clone(),
            args: Vec::new(),
        },
        None => Type::Literal(Literal::String(word(i))),
    };

    let params = unique(&p.params);
    let contexts = unique(&p.contexts);
    let fn_names = unique(&[p.context_fns.clone(), p.calls.clone()].concat());
    let (context_fns, calls) = fn_names.split_at(p.context_fns.len());
    for (i, c) in contexts.iter().enumerate() {
        let cparams: Vec<Param> = params
            .iter()
            .take(1 + pick(i) % params.len())
            .enumerate()
            .map(|(j, n)| Param {
                name: n.clone(),
                ty: Type::Primitive(Primitive::u64),
                optional: j % 2 == 1,
                doc: doc(j + 5),
            })
            .collect();
        ir.contexts.push(ContextDef {
            name: c.clone(),
            params: cparams,
        });
    }
    for (i, f) in context_fns.iter().enumerate() {
        let ctx = &ir.contexts[i % ir.contexts.len()];
        ir.functions.push(Function {
            name: f.clone(),
            kind: FnKind::Context {
                context: ctx.name.clone(),
                cache: None,
            },
            params: ctx.params.clone(),
            result: some_type(i),
            error: (pick(i) % 2 == 0).then(|| some_type(i + 1)),
            auth: Auth::None,
            capabilities: Vec::new(),
            item: None,
            form: None,
            doc: doc(i + 7),
        });
    }
    // Every context needs a function; the contexts beyond them go.
    let used: Vec<String> = ir
        .functions
        .iter()
        .filter_map(|f| match &f.kind {
            FnKind::Context { context, .. } => Some(context.clone()),
            _ => None,
        })
        .collect();
    ir.contexts.retain(|c| used.contains(&c.name));

    for (i, f) in calls.iter().enumerate() {
        let fparams: Vec<Param> = params
            .iter()
            .skip(pick(i + 3) % params.len())
            .enumerate()
            .map(|(j, n)| Param {
                name: n.clone(),
                ty: if j == 0 {
                    some_type(j)
                } else {
                    Type::Primitive(Primitive::u64)
                },
                optional: false,
                doc: doc(i + j),
            })
            .collect();
        let kind = if pick(i + 5) % 2 == 0 {
            FnKind::Query
        } else {
            let affects = ir
                .contexts
                .iter()
                .map(|c| Affect {
                    context: c.name.clone(),
                    scope: c
                        .params
                        .iter()
                        .zip(fparams.iter())
                        .map(|(cp, fp)| ScopePair {
                            context_param: cp.name.clone(),
                            function_param: fp.name.clone(),
                        })
                        .collect(),
                })
                .collect();
            FnKind::Mutation {
                affects,
                names_targets: pick(i) % 3 == 0,
            }
        };
        ir.functions.push(Function {
            name: f.clone(),
            kind,
            params: fparams,
            result: some_type(i + 2),
            error: (pick(i + 1) % 2 == 0).then(|| Type::Literal(Literal::String(word(i)))),
            auth: match pick(i + 6) % 3 {
                0 => Auth::None,
                1 => Auth::Identity,
                _ => Auth::Role(word(i + 2)),
            },
            capabilities: Vec::new(),
            item: None,
            form: None,
            doc: doc(i + 9),
        });
    }
    ir.normalize();
    ir
}

/// IRs written by hand to end every comment and string the generator
/// writes, if it let them.
fn hostile() -> Vec<Ir> {
    let evil = [
        "ctx*/ alert(2); /*",
        "x'); globalThis.pwned = 1; ('",
        "x\"); globalThis.pwned = 1; (\"",
        "a\nglobalThis.pwned = 1 //",
        "a\u{2028}globalThis.pwned = 1",
        "`${globalThis.pwned = 1}`",
        "\\'); globalThis.pwned = 1; //",
        "*/}/*",
    ];
    evil.iter()
        .enumerate()
        .map(|(i, e)| {
            let e = (*e).to_owned();
            build(&Pieces {
                contexts: vec![e.clone()],
                context_fns: vec![format!("{e}f")],
                calls: vec![e.clone(), format!("{e}m")],
                params: vec![e.clone(), format!("{e}p")],
                types: vec![format!("T{i}")],
                words: vec![e.clone(), format!("{e}w"), format!("{e}v")],
                docs: vec![Some(e.clone()), None],
                choices: vec![i as u8, 1, 2, 3, 4, 5, 6, 7],
            })
        })
        .collect()
}

// Running tsc and node ------------------------------------------------------------

const RUNTIME: &str = r#"// A stub of tauri-plugin-mizan-api: the names and types the generated
// modules use, recording what they do.
export const seen: { contexts: string[] } = { contexts: [] };

export interface ContextDescriptor<P = Record<string, unknown>, B = Record<string, unknown>> {
  readonly name: string;
  readonly __types?: { readonly params: P; readonly bundle: B };
}

export function defineContext<P = Record<string, unknown>, B = Record<string, unknown>>(
  name: string,
): ContextDescriptor<P, B> {
  seen.contexts.push(name);
  return Object.freeze({ name });
}

export class MizanClient {
  async call<R, E = unknown>(fn: string, args: Record<string, unknown> = {}): Promise<R> {
    void args;
    return fn as R;
  }
}

export function call<R, E = unknown>(fn: string, args: Record<string, unknown>): Promise<R> {
  return new MizanClient().call<R, E>(fn, args);
}
"#;

const CHECK: &str = r#"// Imports every generated module and checks that it declares exactly
// the functions and contexts of its IR and touches nothing else.
import { readFileSync } from 'node:fs';
import { seen, MizanClient } from './out/runtime.js';

const expected = JSON.parse(readFileSync(new URL('./expected.json', import.meta.url), 'utf8'));
const globals = new Set(Object.getOwnPropertyNames(globalThis));
const failures = [];
const same = (a, b) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
for (const [file, want] of Object.entries(expected)) {
  seen.contexts.length = 0;
  let mod;
  try {
    mod = await import(`./out/${file}.js`);
  } catch (e) {
    failures.push({ file, problem: `import threw: ${e}` });
    continue;
  }
  const defined = [...seen.contexts];
  const functions = [];
  const descriptors = [];
  for (const value of Object.values(mod)) {
    if (typeof value === 'function') {
      functions.push(await value({}, new MizanClient()));
      const viaDefault = await value({});
      if (viaDefault !== functions.at(-1)) failures.push({ file, problem: 'default client differs' });
    } else {
      descriptors.push(value.name);
    }
  }
  if (!same(functions, want.functions)) failures.push({ file, problem: 'functions', got: functions, want: want.functions });
  if (!same(descriptors, want.contexts) || !same(defined, want.contexts))
    failures.push({ file, problem: 'contexts', got: descriptors, defined, want: want.contexts });
}
const added = Object.getOwnPropertyNames(globalThis).filter((g) => !globals.has(g));
if (added.length) failures.push({ problem: `globals added: ${added}` });
console.log(JSON.stringify(failures));
process.exit(failures.length ? 1 : 0);
"#;

const TSCONFIG: &str = r#"{
  "compilerOptions": {
    "target": "ES2022",
    "lib": ["ES2022"],
    "module": "ESNext",
    "moduleResolution": "bundler",
    "strict": true,
    "noUncheckedIndexedAccess": true,
    "isolatedModules": true,
    "skipLibCheck": true,
    "types": [],
    "rootDir": ".",
    "outDir": "out"
  },
  "include": ["*.ts"]
}
"#;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `tests/ts`'s `tsc`, installed there if missing.
fn tsc() -> PathBuf {
    let ts = repo().join("tests/ts");
    let bin = ts.join("node_modules/.bin/tsc");
    if !bin.exists() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&ts)
            .status()
            .unwrap_or_else(|e| panic!("this test needs Node.js and npm to run tsc: {e}"));
        assert!(status.success(), "npm ci in tests/ts failed");
    }
    bin
}

/// The expected exports of an IR: the wire names of its queries and
/// mutations, and its contexts' names.
fn expected(ir: &Ir) -> serde_json::Value {
    let functions: Vec<&str> = ir
        .functions
        .iter()
        .filter(|f| !matches!(f.kind, FnKind::Context { .. }))
        .map(|f| f.name.as_str())
        .collect();
    let contexts: Vec<&str> = ir.contexts.iter().map(|c| c.name.as_str()).collect();
    serde_json::json!({ "functions": functions, "contexts": contexts })
}

/// What became of one IR.
enum Outcome {
    Module(String),
    Refused,
}

/// Writes the IR as text, reads it back, generates. A refusal must be a
/// name error that names the name.
fn generate(ir: &Ir) -> Result<Outcome, String> {
    let text = ir.to_kdl();
    let back = match Ir::from_kdl(&text) {
        Ok(back) => back,
        // The model itself breaks a rule of the IR (the tag of an enum
        // is also a field of a variant, say): not a text the property is about.
        Err(ReadError::Duplicate { .. } | ReadError::Inconsistent(_)) => {
            return Ok(Outcome::Refused)
        }
        Err(e) => return Err(format!("the reader refuses the writer's text: {e}")),
    };
    if &back != ir {
        return Err("the text does not read back into the same IR".into());
    }
    let mut options = TsOptions::default();
    options.runtime_module = "./runtime.js".into();
    match generate_ts(&text, &options) {
        Ok(ts) => Ok(Outcome::Module(ts)),
        Err(e @ GenError::BadName { .. }) => {
            let GenError::BadName { name, .. } = &e else {
                unreachable!()
            };
            if e.to_string().contains(name.as_str()) {
                Ok(Outcome::Refused)
            } else {
                Err(format!("the error does not name the name: {e}"))
            }
        }
        Err(e @ GenError::NameClash { .. }) => {
            let GenError::NameClash { first, second, .. } = &e else {
                unreachable!()
            };
            if e.to_string().contains(first.as_str()) && e.to_string().contains(second.as_str()) {
                Ok(Outcome::Refused)
            } else {
                Err(format!("the error does not name both items: {e}"))
            }
        }
        Err(e) => Err(format!("unexpected error: {e}")),
    }
}

/// Generates every IR into `dir`, then runs tsc and node once. Returns the
/// indexes of the failing IRs with what failed.
fn check(dir: &Path, irs: &[Ir]) -> (usize, Vec<(usize, String)>) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("runtime.ts"), RUNTIME).unwrap();
    std::fs::write(dir.join("check.mjs"), CHECK).unwrap();
    std::fs::write(dir.join("tsconfig.json"), TSCONFIG).unwrap();
    std::fs::write(dir.join("package.json"), "{\"type\": \"module\"}\n").unwrap();
    let mut failures = Vec::new();
    let mut expect = serde_json::Map::new();
    let mut modules = 0;
    for (i, ir) in irs.iter().enumerate() {
        match generate(ir) {
            Ok(Outcome::Module(ts)) => {
                modules += 1;
                std::fs::write(dir.join(format!("case_{i}.ts")), ts).unwrap();
                expect.insert(format!("case_{i}"), expected(ir));
            }
            Ok(Outcome::Refused) => {}
            Err(e) => failures.push((i, e)),
        }
    }
    std::fs::write(
        dir.join("expected.json"),
        serde_json::Value::Object(expect).to_string(),
    )
    .unwrap();

    let out = Command::new(tsc())
        .args(["-p", "."])
        .current_dir(dir)
        .output()
        .expect("tsc runs");
    if !out.status.success() {
        let report = String::from_utf8_lossy(&out.stdout).into_owned();
        for line in report.lines() {
            if let Some(i) = line
                .strip_prefix("case_")
                .and_then(|l| l.split('.').next())
                .and_then(|n| n.parse::<usize>().ok())
            {
                if !failures.iter().any(|(f, _)| *f == i) {
                    failures.push((i, format!("tsc: {line}")));
                }
            }
        }
        if failures.is_empty() {
            panic!("tsc failed outside the generated modules:\n{report}");
        }
        return (modules, failures);
    }
    let out = Command::new("node")
        .arg(dir.join("check.mjs"))
        .output()
        .expect("node runs");
    if !out.status.success() {
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
            panic!(
                "node failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        for f in report.as_array().into_iter().flatten() {
            let i = f["file"]
                .as_str()
                .and_then(|n| n.strip_prefix("case_"))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            failures.push((i, format!("node: {f}")));
        }
    }
    (modules, failures)
}

#[test]
fn every_ir_the_reader_accepts_gives_a_valid_inert_module() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ts-names");
    let mut runner = TestRunner::new(Config::default());
    let strategy = pieces();
    let mut trees = Vec::new();
    let mut irs = hostile();
    let fixed = irs.len();
    for _ in 0..CASES {
        let tree = strategy.new_tree(&mut runner).unwrap();
        irs.push(build(&tree.current()));
        trees.push(tree);
    }
    let (modules, failures) = check(&dir, &irs);
    if let Some((first, problem)) = failures.first().cloned() {
        if first < fixed {
            panic!("hostile IR {first}: {problem}\n{}", irs[first].to_kdl());
        }
        shrink(
            trees.swap_remove(first - fixed),
            problem,
            &dir.join("shrink"),
        );
    }
    // Most IRs make a module: the property is not passed by refusing.
    assert!(
        modules * 2 >= irs.len(),
        "only {modules} of {} IRs made a module",
        irs.len()
    );
}

/// Shrinks a failing random IR, checking it alone, and panics with it.
fn shrink(mut tree: impl ValueTree<Value = Pieces>, mut problem: String, dir: &Path) -> ! {
    for _ in 0..64 {
        if !tree.simplify() {
            break;
        }
        match check(dir, &[build(&tree.current())]).1.first() {
            Some((_, p)) => problem = p.clone(),
            None => {
                if !tree.complicate() {
                    break;
                }
            }
        }
    }
    panic!(
        "{problem}\nthe IR (shrunk):\n{}",
        build(&tree.current()).to_kdl()
    );
}
