#!/usr/bin/env bash
# Adopts Mizan the way a new user does, from the packages that would be
# published, and fails where a user would get stuck:
#
#   1. scaffold a fresh app from the official template
#      (create-tauri-app, pinned, react-ts);
#   2. install the packaged crates (`cargo package` output) and guest-js
#      with the README's own `npm install --install-links` line (from the
#      sources alone, as in a fresh clone; `npm pack` checks the tarball
#      too), as the README's Install section says (the capability, `init()`);
#      the app gets no specta dependency;
#   3. apply the README's Quick start verbatim (tests/adoption/quickstart.mjs);
#   4. generate the client the documented way (MIZAN_UPDATE=1 cargo test),
#      and check it from another working directory (paths are taken from the
#      crate, never the working directory), and that a stale file fails;
#   5. type-check and build the frontend (tsc --strict, vite build), then
#      build the app;
#   6. start the app headless (Xvfb) and see the scoping report on stderr,
#      with no logger set up.
#
#   bash tests/adoption/run.sh
#
# The app is made in $TMPDIR/mizan-adoption and built into the workspace's
# target dir (CARGO_TARGET_DIR), with the workspace's Cargo.lock as a
# starting point, so a second run rebuilds only the app.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
# Outside the repository: a fresh app is in no workspace.
work=${TMPDIR:-/tmp}/mizan-adoption
create_tauri_app=4.7.4 # the create-tauri-app release the app is made with

step() { echo "--> $*"; }
fail() {
  echo "adoption: $*" >&2
  exit 1
}

rm -rf "$work"
mkdir -p "$work/crates"

step "package the crates (cargo package) and guest-js (npm pack)"
(cd "$root" && cargo package --no-verify --allow-dirty --locked -q \
  -p tauri-plugin-mizan-macros -p tauri-plugin-mizan-codegen -p tauri-plugin-mizan)
for crate in tauri-plugin-mizan-macros tauri-plugin-mizan-codegen tauri-plugin-mizan; do
  # --touch: packaged files carry a fixed old mtime, which would let cargo
  # reuse what an earlier run built from the same folder.
  tar -xzf "$CARGO_TARGET_DIR/package/$crate-0.1.0.crate" -C "$work/crates" --touch
done
# From the sources alone, as in a fresh clone (no dist/, no node_modules):
# prepack has to build.
(cd "$root" && git ls-files --cached --others --exclude-standard -z guest-js |
  xargs -0 cp --parents -t "$work")
[ ! -e "$work/guest-js/dist" ] || fail "the copy of guest-js has a dist/"
(cd "$work/guest-js" && npm pack --silent --pack-destination "$work" >/dev/null)
tarball=$work/tauri-plugin-mizan-api-0.1.0.tgz
[ -f "$tarball" ] || fail "npm pack made no tarball"
tar -tzf "$tarball" >"$work/tarball.files"
grep -qx 'package/dist/esm/index.js' "$work/tarball.files" || fail "the npm package has no dist/ (is prepack gone?)"

step "scaffold a fresh app (create-tauri-app $create_tauri_app, react-ts)"
(cd "$work" && npm create --yes "tauri-app@$create_tauri_app" -- app \
  --template react-ts --manager npm --identifier dev.mizan.adoption --yes >/dev/null)
app=$work/app
[ -f "$app/src-tauri/src/lib.rs" ] || fail "the template has no src-tauri/src/lib.rs"

step "install, as the README's Install section says"
# The workspace's lock file as a starting point: the app resolves to the
# versions already built in the shared target dir.
cp "$root/Cargo.lock" "$app/src-tauri/Cargo.lock"
# The packaged plugin names its sibling crates by version, as published;
# until they are on crates.io they come from the packaged sources.
cat >>"$app/src-tauri/Cargo.toml" <<EOF

[patch.crates-io]
tauri-plugin-mizan-macros = { path = "$work/crates/tauri-plugin-mizan-macros-0.1.0" }
tauri-plugin-mizan-codegen = { path = "$work/crates/tauri-plugin-mizan-codegen-0.1.0" }
EOF
(cd "$app/src-tauri" && cargo add -q tauri-plugin-mizan --path "$work/crates/tauri-plugin-mizan-0.1.0")
node -e '
  const fs = require("fs"), p = process.argv[1], cap = JSON.parse(fs.readFileSync(p, "utf8"));
  cap.permissions.push("mizan:default");
  fs.writeFileSync(p, JSON.stringify(cap, null, 2) + "\n");
' "$app/src-tauri/capabilities/default.json"
sed -i 's/^\(\s*\)tauri::Builder::default()$/&\n\1    .plugin(tauri_plugin_mizan::init())/' "$app/src-tauri/src/lib.rs"
grep -q 'tauri_plugin_mizan::init()' "$app/src-tauri/src/lib.rs" || fail "could not register init() in the template's lib.rs"
# guest-js as the README's own line installs it, the checkout being the copy
# of the sources made above: a copy, never a symlink into the checkout
# (through a symlink Vite bundles the checkout's React and the app's: a blank
# window).
install_js=$(grep -m1 '^npm install .*<checkout>/guest-js' "$root/README.md" | sed 's/ *#.*//') ||
  fail "the README's Install section has no npm install line for <checkout>/guest-js"
step "${install_js}"
(cd "$app" && npm install --no-audit --no-fund --loglevel=error &&
  eval "${install_js//<checkout>/\"$work\"} --no-audit --no-fund --loglevel=error")
[ ! -L "$app/node_modules/tauri-plugin-mizan-api" ] ||
  fail "the README's npm install line installed a symlink to the checkout"
[ ! -e "$app/node_modules/tauri-plugin-mizan-api/node_modules/react" ] ||
  fail "the installed guest-js carries a React of its own"
if grep -q '^specta' "$app/src-tauri/Cargo.toml"; then fail "the app depends on specta"; fi

step "apply the README's Quick start"
node "$root/tests/adoption/quickstart.mjs" "$root/README.md" "$app"

step "generate the client (MIZAN_UPDATE=1 cargo test)"
(cd "$app/src-tauri" && MIZAN_UPDATE=1 cargo test -q --lib mizan_client_is_current)
client=$app/src/mizan.gen.ts
[ -f "$client" ] || fail "no src/mizan.gen.ts after generating"
[ ! -e "$work/src" ] && [ ! -e "$app/src-tauri/src/mizan.gen.ts" ] || fail "the export wrote outside the app's src/"
grep -q 'export function rename(' "$client" || fail "the client has no rename()"

step "the check passes from any working directory, and fails on a stale file"
test_bin=$(cd "$app/src-tauri" && cargo test -q --lib --no-run --message-format=json 2>/dev/null |
  node -e '
    let last = "";
    require("readline").createInterface({ input: process.stdin }).on("line", (l) => {
      const m = JSON.parse(l);
      if (m.reason === "compiler-artifact" && m.executable && m.profile.test) last = m.executable;
    }).on("close", () => console.log(last));
  ')
[ -x "$test_bin" ] || fail "no test binary for the app's lib"
(cd / && "$test_bin" -q mizan_client_is_current >/dev/null) || fail "the check failed when run from /"
cp "$client" "$work/client.ts"
echo "export const edited = 1;" >>"$client"
if out=$(cd "$app/src-tauri" && "$test_bin" -q mizan_client_is_current 2>&1); then
  fail "the check passed on a stale client"
fi
grep -q "is out of date" <<<"$out" || fail "the stale-file message does not say what is wrong: $out"
grep -q "+ export const edited = 1;\|- export const edited = 1;" <<<"$out" || fail "the stale-file message names no changed line: $out"
cp "$work/client.ts" "$client"

step "type-check and build the frontend (tsc --strict, vite build)"
(cd "$app" && npx tsc --noEmit --strict -p tsconfig.json && npx vite build --logLevel error)

step "build the app (cargo build)"
(cd "$app/src-tauri" && cargo build -q)
bin=$CARGO_TARGET_DIR/debug/app
[ -x "$bin" ] || fail "no app binary at $bin"

step "start it headless: the scoping report is on stderr"
log=$work/app.log
# Inside Xvfb: start the app, wait (at most 30 s) for the report, stop it.
timeout -k 10 90 xvfb-run -a bash -c '
  "$1" >"$2" 2>&1 &
  app=$!
  for _ in $(seq 1 60); do
    grep -q "mizan scoping" "$2" && break
    kill -0 "$app" 2>/dev/null || break
    sleep 0.5
  done
  kill "$app" 2>/dev/null
  wait "$app" 2>/dev/null
  true
' adoption "$bin" "$log"
grep -q "mizan scoping" "$log" || fail "the app printed no scoping report: $(cat "$log")"
grep -A3 "mizan scoping" "$log"

grep -q "Failed to install Cargo dependency" "$root/README.md" ||
  fail "the README's Install section no longer explains the unpublished crate"
echo "adoption: a fresh app builds with the packaged crates, guest-js installed by the README's own line, and the README's Quick start"
