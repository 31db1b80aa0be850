#!/usr/bin/env bash
# Runs every test of the project, after installing what they need.
#
#   bash tests/run.sh
#
# Stages: formatting and lints, the Rust tests (unit, IPC dispatch, macro
# errors, scoping vectors and properties, IR and code generation,
# conformance), the guest-js package, the generated TypeScript, the
# example app end to end in the real webview, what the packages ship, and a
# fresh app from the official template adopting the packages through the
# README. Every stage runs; the script fails if any did.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash tests/setup.sh || exit 1

passed=0
failed=0
failures=()
stage() {
  local name=$1
  shift
  echo
  echo "==> $name"
  local start=$SECONDS
  if "$@"; then
    passed=$((passed + 1))
    echo "<== $name: ok ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "<== $name: FAILED ($((SECONDS - start)) s)"
  fi
}

npm_test() {
  (cd "$root/$1" && npm ci --no-audit --no-fund --loglevel=error && npm test)
}

stage "cargo fmt" cargo fmt --all --check
stage "cargo clippy" cargo clippy --workspace --all-targets --locked --features tauri-plugin-mizan/keychain -- -D warnings
stage "cargo test" cargo test --workspace --locked --no-fail-fast --features tauri-plugin-mizan/keychain
stage "cargo doc" env RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --features tauri-plugin-mizan/keychain
# An app with tauri-specta and Mizan sharing types: its own workspace (tauri
# with the `specta` feature), in the shared target dir.
interop() {
  local manifest=(--manifest-path tests/interop/Cargo.toml)
  cargo fmt "${manifest[@]}" --check &&
    CARGO_TARGET_DIR="$root/target" cargo clippy "${manifest[@]}" --all-targets --locked -- -D warnings &&
    CARGO_TARGET_DIR="$root/target" cargo test "${manifest[@]}" --locked
}
stage "tauri-specta interop" interop
# An app whose tree enables both of jsonwebtoken's backends: its own
# workspace, or the features would add up for every member's tests.
jwt_both() {
  local manifest=(--manifest-path tests/apps/jwt-both/Cargo.toml)
  cargo fmt "${manifest[@]}" --check &&
    CARGO_TARGET_DIR="$root/target" cargo test "${manifest[@]}" --locked
}
stage "jsonwebtoken with both backends" jwt_both
stage "guest-js" npm_test guest-js
stage "generated TypeScript" npm_test tests/ts
stage "example app, end to end" bash examples/tauri-app/e2e/run.sh
stage "packages (cargo package, publish --dry-run, npm pack)" bash tests/packaging.sh
stage "adoption: a fresh app from the template" bash tests/adoption/run.sh

echo
if [ "$failed" -gt 0 ]; then
  echo "failed stages: ${failures[*]}"
fi
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
