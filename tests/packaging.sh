#!/usr/bin/env bash
# What the packages ship, and that they would publish:
#
#   1. `cargo package --list` for each crate, in publishing order (macros,
#      codegen, plugin); the plugin ships no tests, CI scripts, example app
#      or guest-js sources;
#   2. `cargo publish --dry-run` of the three crates together: cargo packages
#      them in order and checks each against the packages before it (a lone
#      dry run of the plugin cannot resolve its sibling crates until they
#      are on crates.io);
#   3. `cargo install` of the packaged codegen crate: the `mizan-codegen`
#      command regenerates the golden client byte for byte (`--check`);
#   4. `npm pack --dry-run` of guest-js: the built dist/ (prepack) and no
#      sources or tests.
#
#   bash tests/packaging.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
crates=(tauri-plugin-mizan-macros tauri-plugin-mizan-codegen tauri-plugin-mizan)

fail() {
  echo "packaging: $*" >&2
  exit 1
}

for crate in "${crates[@]}"; do
  echo "--> $crate ships:"
  cargo package --list --allow-dirty --locked -q -p "$crate" | tee "$CARGO_TARGET_DIR/$crate.files" | sed 's/^/    /'
  grep -qx LICENSE "$CARGO_TARGET_DIR/$crate.files" || fail "$crate ships no LICENSE"
done
if grep -E '^(\.ci/|tests/|examples/|guest-js/|target/)|package-lock\.json$' "$CARGO_TARGET_DIR/tauri-plugin-mizan.files"; then
  fail "tauri-plugin-mizan ships files only the repository needs (above)"
fi

echo "--> cargo publish --dry-run, in order"
# A dry run checks each crate against the ones packaged before it, through
# a local registry; cargo unpacks those into its home once per version and
# would reuse an earlier run's copy of this same version. Drop such copies
# (local registries only: their folder names start with "-"), and what
# was built from them: cargo takes a registry crate of one version to be
# the same crate forever.
cargo_home=${CARGO_HOME:-$HOME/.cargo}
for crate in "${crates[@]}"; do
  rm -rf "$cargo_home"/registry/src/-*/"$crate"-0.1.0 "$cargo_home"/registry/cache/-*/"$crate"-0.1.0.crate
  rm -rf "$CARGO_TARGET_DIR"/debug/.fingerprint/"$crate"-*
done
packages=()
for crate in "${crates[@]}"; do packages+=(--package "$crate"); done
cargo publish --dry-run --allow-dirty --locked -q "${packages[@]}"

echo "--> cargo install the packaged tauri-plugin-mizan-codegen"
bin=$CARGO_TARGET_DIR/packaging-bin
rm -rf "$bin"
unpacked=$CARGO_TARGET_DIR/package/tauri-plugin-mizan-codegen-0.1.0
[ -d "$unpacked" ] || tar -xzf "$CARGO_TARGET_DIR/package/tauri-plugin-mizan-codegen-0.1.0.crate" -C "$CARGO_TARGET_DIR/package"
cargo install -q --locked --debug --path "$unpacked" --root "$bin"
"$bin/bin/mizan-codegen" --version
"$bin/bin/mizan-codegen" tests/golden/fixture.ir.kdl -o tests/golden/fixture.ts --check

echo "--> npm pack --dry-run (guest-js)"
files=$(cd guest-js && npm pack --dry-run 2>&1 | sed -n 's/^npm notice [0-9.]*[kM]\{0,1\}B //p')
sed 's/^/    /' <<<"$files"
grep -qx 'dist/esm/index.js' <<<"$files" || fail "the npm package has no dist/esm/index.js"
grep -qx 'dist/cjs/react.d.ts' <<<"$files" || fail "the npm package has no dist/cjs/react.d.ts"
if grep -E '^(src|test|scripts|bench)/' <<<"$files"; then
  fail "the npm package ships sources or tests (above)"
fi
echo "packaging: ok"
