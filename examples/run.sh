#!/usr/bin/env bash
# Builds and runs Mizan Notes, the example app, after setting up what it
# needs on a fresh Debian 12 machine (system packages, npm packages, Rust
# crates). Run it again at no cost: every step is skipped when up to date.
#
#   bash examples/run.sh               build, then run: a window on a desktop;
#                                      without a display (or with CI set), under
#                                      Xvfb: save examples/tauri-app/screenshot.png
#                                      and exit
#   bash examples/run.sh --screenshot  the headless run, even on a desktop
#   bash examples/run.sh --bench       release build; time Mizan against plain
#                                      Tauri commands in the real webview
#   bash examples/run.sh --build       set up and build only
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
app="$here/tauri-app"

mode=run
case "${1:-}" in
  "") [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${CI:-}" ] || mode=screenshot ;;
  --screenshot) mode=screenshot ;;
  --bench) mode=bench ;;
  --build) mode=build ;;
  -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
esac
profile=debug
cargo_profile=()
if [ "$mode" = bench ]; then
  profile=release
  # The benchmark's plain Tauri commands are in a `bench` build only.
  cargo_profile=(--release --features mizan-example/bench)
fi

step() { echo "==> $*"; }

# 1. System packages (GTK/WebKit, Xvfb, WebKitWebDriver, ImageMagick) and
#    the toolchains.
bash "$root/tests/setup.sh"
node -e 'const [a, b] = process.versions.node.split(".").map(Number);
  if (!(a > 22 || (a === 22 && b >= 12) || (a === 20 && b >= 19))) {
    console.error(`run.sh: Node.js ${process.versions.node} is too old for Vite; install 20.19+ or 22.12+`);
    process.exit(1);
  }'

# 2. npm packages: the runtime package (built, the app links it), then the app.
newer_than() { # newer_than <file> <path>...: is any file under <path>... newer than <file>?
  local stamp=$1
  shift
  [ ! -e "$stamp" ] || [ -n "$(find "$@" -newer "$stamp" -type f -print -quit 2>/dev/null)" ]
}
npm_ci() {
  if newer_than "$1/node_modules/.package-lock.json" "$1/package-lock.json" "$1/package.json"; then
    step "npm ci in ${1#"$root"/}"
    (cd "$1" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
npm_ci "$root/guest-js"
if newer_than "$root/guest-js/dist/esm/index.js" "$root/guest-js/src" "$root/guest-js/package.json"; then
  step "build guest-js"
  (cd "$root/guest-js" && npm run build --silent)
fi
npm_ci "$app"

# 3. The Rust app. Its build script puts a placeholder page in dist/ when the
#    frontend is not built yet, so this first build always succeeds.
step "cargo build -p mizan-example ${cargo_profile[*]}"
(cd "$root" && cargo build -p mizan-example -p tauri-plugin-mizan-codegen "${cargo_profile[@]}")
target_dir=$(cd "$root" && cargo metadata --format-version 1 --no-deps |
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).target_directory))')
bin="$target_dir/$profile/mizan-example"

# 4. The generated client: the app exports its registry's IR, mizan-codegen
#    turns it into TypeScript. Files are replaced only when they change.
gen="$app/src/generated"
mkdir -p "$gen"
"$bin" --export-ir "$gen/mizan.ir.kdl"
"$target_dir/$profile/mizan-codegen" "$gen/mizan.ir.kdl" -o "$gen/mizan.ts.new"
if cmp -s "$gen/mizan.ts.new" "$gen/mizan.ts"; then
  rm "$gen/mizan.ts.new"
else
  step "generated src/generated/mizan.ts"
  mv "$gen/mizan.ts.new" "$gen/mizan.ts"
fi

# 5. The frontend (type check + Vite), when anything it is made of changed.
if grep -q 'frontend is not built yet' "$app/dist/index.html" 2>/dev/null ||
  newer_than "$app/dist/index.html" "$app/src" "$app/index.html" "$app/vite.config.ts" \
    "$app/tsconfig.json" "$app/node_modules/.package-lock.json" "$root/guest-js/dist"; then
  step "build the frontend"
  (cd "$app" && npm run build --silent)
  # 6. Embed the new frontend into the binary.
  step "cargo build -p mizan-example ${cargo_profile[*]} (with the frontend)"
  (cd "$root" && cargo build -p mizan-example "${cargo_profile[@]}")
fi

# 7. Run.
case "$mode" in
  build)
    echo "built $bin"
    ;;
  run)
    step "run Mizan Notes"
    exec "$bin"
    ;;
  screenshot | bench)
    data=$(mktemp -d)
    trap 'rm -rf "$data"' EXIT
    shot="$app/screenshot.png"
    env=(MIZAN_EXAMPLE_DATA_DIR="$data")
    if [ "$mode" = bench ]; then
      env+=(MIZAN_EXAMPLE_BENCH=1)
      step "benchmark (release build, real webview)"
    else
      rm -f "$shot"
      env+=(MIZAN_EXAMPLE_SCREENSHOT="$shot")
      step "run Mizan Notes under Xvfb, save a screenshot and exit"
    fi
    # The app exits by itself (and gives up after 120 s, the bench after
    # 480 s); timeout is a backstop.
    limit=180
    [ "$mode" = bench ] && limit=540
    env "${env[@]}" timeout -k 10 "$limit" xvfb-run -a -s "-screen 0 1440x720x24" "$bin"
    if [ "$mode" = screenshot ]; then
      [ -s "$shot" ] || { echo "run.sh: no screenshot was saved" >&2; exit 1; }
      echo "screenshot: ${shot#"$root"/}"
    fi
    ;;
esac
