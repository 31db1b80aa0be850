#!/usr/bin/env bash
# End-to-end tests of Mizan Notes in the real WebKitGTK webview, driven by
# tauri-driver and WebKitWebDriver under Xvfb. Sets up and builds what it
# needs first (examples/run.sh --build, and tauri-driver if missing).
#
#   bash examples/tauri-app/e2e/run.sh
#
# Prints one line per test and closes with "N passed, N failed"; exits
# non-zero on any failure. Every process it starts is reaped, and it gives up
# after a bounded time (E2E_TIMEOUT_MS, default 240000).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)

bash "$root/examples/run.sh" --build
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
if ! command -v tauri-driver >/dev/null 2>&1; then
  echo "==> cargo install tauri-driver --locked"
  cargo install tauri-driver --locked
fi
[ -x /usr/bin/WebKitWebDriver ] || { echo "e2e: /usr/bin/WebKitWebDriver is missing (package webkit2gtk-driver)" >&2; exit 1; }

target_dir=$(cd "$root" && cargo metadata --format-version 1 --no-deps |
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).target_directory))')

echo "==> end-to-end tests"
timeout -k 10 300 xvfb-run -a -s "-screen 0 1440x900x24" node "$here/e2e.mjs" "$target_dir/debug/mizan-example"
