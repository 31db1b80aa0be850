//! `mizan-codegen <ir.kdl> -o <out.ts> [--runtime <module>] [--types-from <module>] [--check]`:
//! writes the TypeScript client for an IR file, or checks that a committed
//! one is current.
//!
//! Install it with `cargo install tauri-plugin-mizan-codegen`.

use std::process::ExitCode;

use tauri_plugin_mizan_codegen::{changed_lines, generate_ts, TsOptions};

const USAGE: &str = "usage: mizan-codegen <ir.kdl> -o <out.ts> [--runtime <module>] [--types-from <module>] [--check]
  Reads the IR (KDL) a tauri-plugin-mizan registry exported and writes the
  TypeScript client module (only when it changed). `-` reads stdin / writes
  stdout.
  --runtime     the module to import the runtime from (default: tauri-plugin-mizan-api)
  --types-from  import the named types from this module (e.g. ./bindings, the
                file tauri-specta writes) instead of declaring them
  --check       write nothing; fail, showing the changed lines, when <out.ts>
                differs from what the IR generates (for CI)";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("mizan-codegen: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut input = None;
    let mut output = None;
    let mut check = false;
    let mut options = TsOptions::default();
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            "-V" | "--version" => {
                println!("mizan-codegen {}", env!("CARGO_PKG_VERSION"));
                return Ok(());
            }
            "-o" | "--out" => output = Some(it.next().ok_or("-o needs a path")?),
            "--runtime" => options.runtime_module = it.next().ok_or("--runtime needs a module")?,
            "--types-from" => {
                options.types_module = Some(it.next().ok_or("--types-from needs a module")?)
            }
            "--check" => check = true,
            _ if arg.starts_with('-') && arg != "-" => {
                return Err(format!("unknown option `{arg}`\n{USAGE}"))
            }
            _ if input.is_none() => input = Some(arg),
            _ => return Err(format!("unexpected argument `{arg}`\n{USAGE}")),
        }
    }
    let input = input.ok_or_else(|| format!("no IR file given\n{USAGE}"))?;
    let output = output.ok_or_else(|| format!("no output given (-o <out.ts>)\n{USAGE}"))?;
    let text = if input == "-" {
        std::io::read_to_string(std::io::stdin()).map_err(|e| format!("stdin: {e}"))?
    } else {
        std::fs::read_to_string(&input).map_err(|e| format!("{input}: {e}"))?
    };
    let ts = generate_ts(&text, &options).map_err(|e| format!("{input}: {e}"))?;
    if output == "-" {
        if check {
            return Err("--check needs a file to compare with (-o <out.ts>)".into());
        }
        print!("{ts}");
        return Ok(());
    }
    let current = std::fs::read_to_string(&output).ok();
    if check {
        return match current {
            None => Err(format!(
                "{output} does not exist; generate it with `mizan-codegen {input} -o {output}`"
            )),
            Some(old) => match changed_lines(&old, &ts) {
                None => Ok(()),
                Some(diff) => Err(format!(
                    "{output} is out of date with {input} (- on disk, + generated):\n{diff}regenerate it with `mizan-codegen {input} -o {output}`"
                )),
            },
        };
    }
    if current.as_deref() == Some(ts.as_str()) {
        return Ok(());
    }
    std::fs::write(&output, ts).map_err(|e| format!("{output}: {e}"))
}
