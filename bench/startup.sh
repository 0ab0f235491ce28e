#!/usr/bin/env bash
# Startup cost: `tusk --version` and `tusk operators` must stay instant (target: <= 5 ms wall),
# however many operators and SDKs are linked in. Compares with the peer CLIs found on PATH
# (kubectl, wasmtime, aws, npm…) in the same run and prints ratios.
#
#   bench/startup.sh                  # builds target/release/tusk first
#   TUSK_BIN=path/to/tusk bench/startup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${TUSK_BIN:-}" ]]; then
  cargo build --release -q -p tusk
  TUSK_BIN="${CARGO_TARGET_DIR:-target}/release/tusk"
fi
runs="${RUNS:-200}"
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT

# Mean wall time in milliseconds over $runs runs (hyperfine when installed, else a shell loop).
measure() {
  if command -v hyperfine >/dev/null 2>&1; then
    hyperfine -N --warmup 10 --runs "$runs" --export-json "$home/h.json" "$*" >/dev/null 2>&1
    python3 -c "import json;print('%.2f'%(json.load(open('$home/h.json'))['results'][0]['mean']*1000))"
  else
    local s e
    s=$(date +%s%N)
    for _ in $(seq "$runs"); do HOME="$home" "$@" >/dev/null 2>&1 || true; done
    e=$(date +%s%N)
    python3 -c "print('%.2f'%(($e-$s)/1e6/$runs))"
  fi
}

export HOME="$home"
printf '%-34s %10s\n' "command" "mean ms"
v=$(measure "$TUSK_BIN" --version);   printf '%-34s %10s\n' "tusk --version" "$v"
o=$(measure "$TUSK_BIN" operators);   printf '%-34s %10s\n' "tusk operators" "$o"
for peer in "kubectl version --client" "wasmtime --version" "npm --version" "aws --version"; do
  set -- $peer
  if command -v "$1" >/dev/null 2>&1; then
    p=$(measure $peer)
    printf '%-34s %10s   (tusk --version is %sx)\n' "$peer" "$p" "$(python3 -c "print('%.2f'%($v/$p))")"
  fi
done
echo "binary: $TUSK_BIN ($(du -h "$TUSK_BIN" | cut -f1)), $(date -u +%Y-%m-%d), $(nproc) cores"
