//! Mizan Notes: a small offline-first notes app built on Mizan for Tauri.
//!
//! The backend is the set of `#[client]` functions in [`api`] over a SQLite
//! database in the app's data directory; the webview (React, in `../src`)
//! reaches them only through the generated client and the
//! `tauri-plugin-mizan-api` runtime, which caches context bundles and keeps
//! both windows coherent through `mizan://invalidate`.

mod account;
mod api;
mod attachments;
mod bench;
mod bench_paint;
#[cfg(feature = "bench")]
mod bench_plain;
mod bench_upload;
mod db;
mod export;
mod remote;
mod shell;

use tauri::{Manager, WebviewWindowBuilder};
use tauri_plugin_mizan::{jwt::JwtConfig, Hydrate, HydrateExt};

fn main() {
    // The build step of `examples/run.sh`: write the registry's IR (every
    // `#[client]` function, context and type) for `mizan-codegen`, which
    // turns it into `src/generated/mizan.ts`. Nothing else runs.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, path] = args.as_slice() {
        if flag == "--export-ir" {
            // A path from the command line: taken from the working directory.
            let written = tauri_plugin_mizan::registry::Registry::discover()
                .map_err(tauri_plugin_mizan::ir::ExportError::from)
                .and_then(|registry| registry.export_ir(path));
            if let Err(e) = written {
                eprintln!("mizan-example: cannot export the IR: {e}");
                std::process::exit(1);
            }
            return;
        }
    }

    // The origin cache lives beside the database when the data dir is
    // chosen (the tests), else in the app's data dir.
    // Local accounts sign in through JWT identity in held mode: the Rust
    // side issues and holds the tokens (see `account`). The signing secret
    // is new at each start, so a restart signs everyone out.
    // Attachments and the upload bench (256 MiB) fit under the upload limit.
    let mut mizan = tauri_plugin_mizan::Builder::new()
        .jwt(
            JwtConfig::hs256(&signing_secret())
                .issuer("mizan-notes")
                .audience("mizan-notes"),
        )
        .max_upload_bytes(300 * 1024 * 1024)
        .hydrate(first_screen);
    if shell::bench_mode() {
        // The bench sends 64 MiB as a JSON number array through `call`.
        mizan = mizan.max_request_bytes(512 * 1024 * 1024);
    }
    if let Some(dir) = shell::data_dir_override() {
        mizan = mizan.cache_dir(dir.join("mizan"));
    }
    let app = tauri::Builder::default()
        .plugin(mizan.build())
        .manage(bench_paint::PaintTimer::default());
    // The benchmark's plain commands exist only in a `bench` build.
    #[cfg(feature = "bench")]
    let app = bench_plain::install(app);
    #[cfg(not(feature = "bench"))]
    if shell::bench_mode() {
        eprintln!(
            "mizan-example: built without the `bench` feature; run `examples/run.sh --bench`"
        );
        std::process::exit(2);
    }
    app.setup(|app| {
        let launch = shell::Launch::from_env(app.path().app_data_dir()?);
        if let Some(dir) = launch.data_file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        app.manage(db::Db::open(&launch.data_file)?);
        app.manage(remote::Remote::from_args());
        app.manage(export::Exports::default());
        launch.start_watchdog();
        app.manage(launch);
        // The main window is created here (`"create": false` in
        // tauri.conf.json), once the database is open, with its first
        // screen in its initialization script: its first render makes
        // no IPC call.
        let config = app
            .config()
            .app
            .windows
            .iter()
            .find(|w| w.label == "main")
            .cloned()
            .ok_or("no `main` window in tauri.conf.json")?;
        WebviewWindowBuilder::from_config(app.handle(), &config)?
            .hydrate(app, "main")
            .build()?;
        Ok(())
    })
    .run(tauri::generate_context!())
    .expect("error while running Mizan Notes");
}

/// What a window shows first, hydrated at its creation: the main window's
/// people and the first person's lists (the first-paint benchmark's
/// hydrated windows show the same).
fn first_screen(label: &str) -> Vec<Hydrate> {
    match label {
        l if l == "main" || l.starts_with(bench_paint::HYDRATED) => vec![
            Hydrate::bundle(&api::PEOPLE, serde_json::json!({})),
            Hydrate::bundle(&api::USER, serde_json::json!({"user_id": 1})),
        ],
        _ => Vec::new(),
    }
}

/// 32 random bytes from the OS: the HS256 secret of this run.
fn signing_secret() -> [u8; 32] {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).expect("the OS has no random bytes");
    secret
}
