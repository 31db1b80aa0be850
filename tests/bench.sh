#!/usr/bin/env bash
# Runs the benchmarks behind docs/performance.md, one after the other, and
# prints their figures.
#
#   bash tests/bench.sh             the Rust benchmarks (criterion), the
#                                   instruction counts (Callgrind), guest-js
#   bash tests/bench.sh --webview   also the example app's real-webview
#                                   benchmark (a release build of the app)
#
# Each figure is a ratio against a baseline measured in the same process,
# or an instruction count; nothing here fails on a number. Installs what it
# needs first: Valgrind (Debian's package) and `gungraun-runner`, the
# Callgrind runner of the same version as the `gungraun` dev-dependency.
# Every run's full output is kept in $CARGO_TARGET_DIR/bench (or
# target/bench).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

webview=0
case "${1:-}" in
  "") ;;
  --webview) webview=1 ;;
  -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "bench.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
esac

logs="${CARGO_TARGET_DIR:-$root/target}/bench"
mkdir -p "$logs"

# Valgrind, for the instruction counts.
if ! command -v valgrind >/dev/null 2>&1; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends valgrind >/dev/null
fi
# The runner must match the library's version exactly.
want=$(awk '/^name = "gungraun"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
have=$(gungraun-runner --version 2>/dev/null | awk '{ print $NF }')
if [ "$have" != "$want" ]; then
  echo "==> installing gungraun-runner $want"
  cargo install --locked gungraun-runner --version "$want" || exit 1
fi

failed=()
# run NAME COMMAND...: runs one benchmark, its output kept in $logs/NAME.log.
run() {
  local name=$1
  shift
  echo "==> $name: $*"
  local start=$SECONDS
  if "$@" >"$logs/$name.log" 2>&1; then
    echo "<== $name: done ($((SECONDS - start)) s)"
  else
    echo "<== $name: FAILED ($((SECONDS - start)) s), see $logs/$name.log"
    failed+=("$name")
  fi
}

started=$(date -u '+%Y-%m-%d %H:%M UTC')
run dispatch cargo bench --locked --bench dispatch
run instructions cargo bench --locked --bench instructions
run cache cargo bench --locked --bench cache
run jwt cargo bench --locked --bench jwt
run codegen cargo bench --locked --bench codegen
# These two are recorded from debug builds (see the doc).
run form cargo bench --locked --bench form --profile dev
run shape cargo bench --locked --bench shape --profile dev
run stream-cancel cargo test --locked --test stream cancel_drops_the_producer_before_it_answers -- --nocapture
run guest-js bash -c "cd guest-js && npm ci --no-audit --no-fund --loglevel=error && npm run bench"
if [ "$webview" = 1 ]; then
  run webview bash examples/run.sh --bench
fi

# The figures, as each benchmark prints them.
echo
os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
echo "## Figures of the run started $started ($(nproc) cores, ${os:-unknown OS})"
figures() {
  local name=$1 pattern=$2
  [ -f "$logs/$name.log" ] || return 0
  echo
  echo "### $name"
  # criterion prints a long benchmark name on a line of its own, then its
  # time: one line each here.
  awk -v pattern="$pattern" '
    /^Benchmarking / { next }
    /^[^ ].*\// && !/time:/ && !/:/ { name = $0; next }
    $1 == "time:" { sub(/^ +/, ""); print "    " name "  " $0; next }
    $0 ~ pattern { print "    " $0 }
  ' "$logs/$name.log"
}
figures dispatch '^ratio:|time:'
# gungraun prints each benchmark's name, then its counts.
figures instructions '^instructions::|Instructions:|Estimated Cycles:'
figures cache '^ratio:|^durable put|time:'
figures jwt '^ratio:|time:'
figures codegen '^ir export|^1000 fns'
figures form '^ratio:'
figures shape '^ratio:'
figures stream-cancel '^cancel ->'
figures guest-js ' vs |x \(flat'
if [ "$webview" = 1 ]; then
  figures webview '; ratio '
fi

echo
if [ "${#failed[@]}" -gt 0 ]; then
  echo "failed: ${failed[*]}"
  exit 1
fi
echo "all benchmarks ran"
