//! `mizan-codegen <ir.kdl> -o <out.ts> [--runtime <module>]`: writes the
//! TypeScript client for an IR file.

use std::process::ExitCode;

use tauri_plugin_mizan_codegen::{generate_ts, TsOptions};

const USAGE: &str = "usage: mizan-codegen <ir.kdl> -o <out.ts> [--runtime <module>]
  Reads the IR (KDL) a tauri-plugin-mizan registry exported and writes the
  TypeScript client module. `-` reads stdin / writes stdout.
  --runtime  the module to import the runtime from (default: tauri-plugin-mizan-api)";

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
    let mut options = TsOptions::default();
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            "-o" | "--out" => output = Some(it.next().ok_or("-o needs a path")?),
            "--runtime" => options.runtime_module = it.next().ok_or("--runtime needs a module")?,
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
        print!("{ts}");
        Ok(())
    } else {
        std::fs::write(&output, ts).map_err(|e| format!("{output}: {e}"))
    }
}
