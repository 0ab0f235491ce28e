#!/usr/bin/env bash
# @multicloud benchmark against the local emulators (moto, Azurite, fake-gcs-server and the
# in-repo ARM/Kudu + Cloud Functions fakes). Measures, with the real tusk binary:
#   - a first deploy to each cloud alone (aws, azure, gcp),
#   - a first deploy to all three at once (target: <= 1.2x the slowest single cloud),
#   - a no-op redeploy of all three (target: < 1 s).
# Each figure is the median of RUNS (default 5) runs.
# usage: bench/multicloud.sh [path/to/tusk]   (default: $CARGO_TARGET_DIR or target, debug build)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tusk="${1:-${CARGO_TARGET_DIR:-$here/target}/debug/tusk}"
runs="${RUNS:-5}"
[[ -x "$tusk" ]] || { echo "bench: build tusk first (cargo build -p tusk --features multicloud)" >&2; exit 1; }
export TUSK_EMU_DIR="${TUSK_EMU_DIR:-$(mktemp -d)}"
bash "$here/scripts/emulators.sh" start 2>/dev/null
trap 'bash "$here/scripts/emulators.sh" stop 2>/dev/null' EXIT
# shellcheck disable=SC1091
source "$TUSK_EMU_DIR/env.sh"
work=$(mktemp -d); cp -r "$here/fixtures/multicloud/hello/." "$work/"; cd "$work"

now() { date +%s.%N; }
timed() { local s e; s=$(now); "$tusk" -q "$@" >/dev/null; e=$(now); awk -v a="$s" -v b="$e" 'BEGIN { printf "%.4f", b - a }'; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }

declare -A samples
for _ in $(seq 1 "$runs"); do
  for c in aws azure gcp; do
    samples[$c]+="$(timed @multicloud deploy --cloud "$c" --yes)"$'\n'
    "$tusk" -q @multicloud destroy --cloud "$c" --yes >/dev/null
  done
  samples[all]+="$(timed @multicloud deploy --yes)"$'\n'
  samples[noop]+="$(timed @multicloud deploy --yes)"$'\n'
  "$tusk" -q @multicloud destroy --yes >/dev/null
done
aws=$(printf '%s' "${samples[aws]}" | median); azure=$(printf '%s' "${samples[azure]}" | median)
gcp=$(printf '%s' "${samples[gcp]}" | median); all=$(printf '%s' "${samples[all]}" | median)
noop=$(printf '%s' "${samples[noop]}" | median)
slowest=$(printf '%s\n%s\n%s\n' "$aws" "$azure" "$gcp" | sort -n | tail -1)
ratio=$(awk -v a="$all" -v b="$slowest" 'BEGIN { printf "%.4f", a / b }')
printf 'first deploy, aws only      %s s\n' "$aws"
printf 'first deploy, azure only    %s s\n' "$azure"
printf 'first deploy, gcp only      %s s\n' "$gcp"
printf 'first deploy, all three     %s s  (%.2fx the slowest single cloud; target <= 1.2x)\n' "$all" "$ratio"
printf 'no-op redeploy, all three   %s s  (target < 1 s)\n' "$noop"
printf 'median of %s runs; %s (%s build), %s cores\n' "$runs" "$("$tusk" --version)" "$(basename "$(dirname "$tusk")")" "$(nproc)"
awk -v r="$ratio" -v n="$noop" 'BEGIN { exit !(r <= 1.2 && n < 1.0) }' || { echo "bench: target missed" >&2; exit 1; }
