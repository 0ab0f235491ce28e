#!/usr/bin/env bash
# Compares `tusk @packages resolve` with each ecosystem's own resolvers on the same input files
# (bench/sets/<set>/), one hyperfine run per set and mode (every tool of the set in the same
# hyperfine invocation), then measures each tool's peak memory once with /usr/bin/time -v and
# compares the versions each tool chose (bench/packages_compare.py).
#
#   bench/packages.sh [TUSK_BINARY]      # default: $CARGO_TARGET_DIR or target, release/tusk
#
# Environment: MODES (default "offline cold"), RUNS (hyperfine runs, default 5), COLD_RUNS
# (default: RUNS), ONLY (a regex: the sets whose name matches it, e.g. 'small|medium'),
# BENCH_DIR (default /tmp/tusk-bench), BENCH_TOOLS (where bun, pnpm and uv are installed when
# missing, default ~/.cache/tusk-ci/bench-tools).
#
# Peers, all like with like:
#   PyPI    uv pip compile with the same single target (--python-version 3.12
#           --python-platform x86_64-manylinux_2_28) as tusk's --python 3.12 --platform
#           manylinux_2_28_x86_64
#   npm     npm install --package-lock-only, pnpm install --lockfile-only, bun install
#           --lockfile-only (all three write universal locks)
#   crates  cargo generate-lockfile (universal: every target; tusk resolves this host's target)
# Modes:
#   offline  caches warm (one untimed run first), no network where the tool has a switch for it:
#            tusk --offline, uv --offline, npm --offline, pnpm --offline, cargo --offline. bun
#            has no such switch: it runs on its warm cache and may revalidate manifests.
#   cold     every tool's cache emptied before each run (hyperfine --prepare), so the runs
#            include the network.
# Output: Markdown tables on stdout; hyperfine JSON, locks and raw outputs under $BENCH_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TUSK="$(realpath "${1:-${CARGO_TARGET_DIR:-target}/release/tusk}")"
B="${BENCH_DIR:-/tmp/tusk-bench}"
MODES="${MODES:-offline cold}"
RUNS="${RUNS:-5}"
COLD_RUNS="${COLD_RUNS:-$RUNS}"
TOOLS="${BENCH_TOOLS:-$HOME/.cache/tusk-ci/bench-tools}"
PY=3.12
PLAT=manylinux_2_28_x86_64
UV_PLAT=x86_64-manylinux_2_28
# uv wants an interpreter even for another target; give it the real one, not a shim (pyenv's
# shims cost uv ~1-2 s per run here, which is no part of resolving).
UV_INTERP="$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')"
SETS=(pypi-small pypi-medium pypi-large npm-small npm-medium npm-large crates-small crates-medium crates-large)

# Peers missing from PATH are installed under $TOOLS through the retry helper (visible errors).
# shellcheck source=../scripts/lib.sh
. "$ROOT/scripts/lib.sh"
mkdir -p "$TOOLS"
if ! command -v bun >/dev/null || ! command -v pnpm >/dev/null; then
  [ -x "$TOOLS/node_modules/.bin/bun" ] && [ -x "$TOOLS/node_modules/.bin/pnpm" ] ||
    retry "bun and pnpm (npm)" "npm install --prefix $TOOLS bun pnpm" \
      npm install --prefix "$TOOLS" --no-audit --no-fund bun pnpm
  PATH="$PATH:$TOOLS/node_modules/.bin"
fi
if ! command -v uv >/dev/null; then
  if [ ! -x "$TOOLS/uv-venv/bin/uv" ]; then
    python3 -m venv "$TOOLS/uv-venv"
    retry "uv (PyPI)" "$TOOLS/uv-venv/bin/pip install uv" "$TOOLS/uv-venv/bin/pip" install uv
  fi
  PATH="$PATH:$TOOLS/uv-venv/bin"
fi
need hyperfine "apt-get install -y hyperfine"
bun --version >/dev/null # bun's npm package ships a native binary: fail here if it cannot run

rm -rf "$B"; mkdir -p "$B"
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "tusk: $TUSK ($("$TUSK" --version)), tree at $(git rev-parse --short HEAD)"
  echo "uv: $(uv --version)"; echo "npm: $(npm --version)"; echo "pnpm: $(pnpm --version)"
  echo "bun: $(bun --version)"; echo "cargo: $(cargo --version)"; echo "node: $(node --version)"
  echo "hyperfine: $(hyperfine --version)"; echo "runs: $RUNS (cold: $COLD_RUNS); modes: $MODES"
} | tee "$B/environment.txt" >&2

# set -> "tool|command|cache dirs emptied in cold mode" lines; the command's MODE is replaced by
# the mode's flags. Every command first deletes its previous lock: uv and cargo would otherwise
# take it as preferences.
commands() {
  local name=$1 W=$B/$1 eco=${1%%-*}
  local tusk="XDG_CACHE_HOME=$W/tusk-cache $TUSK --no-progress -o json @packages resolve"
  case $eco in
    pypi)
      echo "tusk|$tusk --python $PY --platform $PLAT OFFLINE $W/in/requirements.txt >$W/tusk.json|$W/tusk-cache"
      echo "uv|rm -f $W/uv/out.txt && uv pip compile --quiet --python $UV_INTERP --python-version $PY --python-platform $UV_PLAT --cache-dir $W/uv-cache OFFLINE $W/in/requirements.txt -o $W/uv/out.txt|$W/uv-cache"
      ;;
    npm)
      echo "tusk|$tusk OFFLINE $W/in/package.json >$W/tusk.json|$W/tusk-cache"
      echo "npm|cd $W/npm && rm -f package-lock.json && npm install --package-lock-only --ignore-scripts --no-audit --no-fund --loglevel=error --cache $W/npm-cache OFFLINE|$W/npm-cache"
      echo "pnpm|cd $W/pnpm && rm -f pnpm-lock.yaml && XDG_CACHE_HOME=$W/pnpm-cache pnpm install --lockfile-only --ignore-scripts --reporter=silent --store-dir $W/pnpm-store OFFLINE|$W/pnpm-cache $W/pnpm-store"
      echo "bun|cd $W/bun && rm -f bun.lock && BUN_INSTALL_CACHE_DIR=$W/bun-cache bun install --lockfile-only --ignore-scripts --silent|$W/bun-cache"
      ;;
    crates)
      echo "tusk|$tusk OFFLINE $W/in/Cargo.toml >$W/tusk.json|$W/tusk-cache"
      echo "cargo|cd $W/cargo && rm -f Cargo.lock && CARGO_HOME=$W/cargo-home cargo generate-lockfile --quiet OFFLINE|$W/cargo-home"
      ;;
  esac
}

results=()
for name in "${SETS[@]}"; do
  [[ -n "${ONLY:-}" && ! "$name" =~ $ONLY ]] && continue
  W=$B/$name; mkdir -p "$W/in"
  cp "bench/sets/$name"/* "$W/in/"
  for d in uv npm pnpm bun cargo; do mkdir -p "$W/$d/src"; cp "$W/in"/* "$W/$d/"; : >"$W/$d/src/lib.rs"; done
  mapfile -t CMDS < <(commands "$name")
  for mode in $MODES; do
    args=(); prep=(); names=()
    for line in "${CMDS[@]}"; do
      IFS='|' read -r tool cmd caches <<<"$line"
      if [ "$mode" = offline ]; then
        # bun has no offline switch; every other tool gets its own.
        [ "$tool" = bun ] && flag="" || flag="--offline"
        cmd=${cmd/OFFLINE/$flag}
        prep+=(--prepare true)
      else
        # Cold runs take long enough (>= 0.1 s) that measuring peak memory inside the timed
        # runs costs little (one more bash, a few ms); offline runs measure it apart below.
        cmd="/usr/bin/time -f %M -a -o $W/cold-$tool.rss bash -c '${cmd/OFFLINE/}'"
        prep+=(--prepare "rm -rf $caches")
      fi
      names+=("$tool")
      args+=(--command-name "$tool" "$cmd")
    done
    runs=$RUNS; [ "$mode" = cold ] && runs=$COLD_RUNS
    echo "== $name $mode: ${names[*]}" >&2
    # offline: one untimed warm-up fills every cache (--warmup runs use the network when the
    # cache is empty: the first warm-up run of the offline commands would fail, so fill first).
    if [ "$mode" = offline ]; then
      for line in "${CMDS[@]}"; do
        IFS='|' read -r tool cmd caches <<<"$line"
        bash -c "${cmd/OFFLINE/}" >"$W/fill-$tool.log" 2>&1 || echo "warning: $name: filling $tool's cache failed (see $W/fill-$tool.log)" >&2
      done
    fi
    hyperfine --shell bash --style basic --runs "$runs" -i "${prep[@]}" \
      --export-json "$W/$mode.json" "${args[@]}" >"$W/$mode.hyperfine.txt" 2>&1 ||
      echo "warning: $name $mode: hyperfine failed (see $W/$mode.hyperfine.txt)" >&2
    # Offline peak memory: one more run per tool under /usr/bin/time -v (kept out of the timed
    # runs, where an extra process would weigh on bun's few milliseconds).
    [ "$mode" = offline ] && for line in "${CMDS[@]}"; do
      IFS='|' read -r tool cmd caches <<<"$line"
      [ "$tool" = bun ] && flag="" || flag="--offline"
      /usr/bin/time -v bash -c "${cmd/OFFLINE/$flag}" >"$W/$mode-$tool.out" 2>"$W/$mode-$tool.time" || true
      grep 'Maximum resident' "$W/$mode-$tool.time" | awk '{print $NF}' >"$W/$mode-$tool.rss"
    done
    results+=("$name|$mode")
  done
  python3 bench/packages_compare.py "${name%%-*}" "$W" >"$W/diff.txt" 2>&1 || true
done

python3 - "$B" "${results[@]}" <<'EOF'
import json, sys, os
b = sys.argv[1]
print("| set | mode | tusk mean s (± sd) | tusk MiB | fastest peer | peer mean s | peer MiB | tusk ÷ fastest | all peers: mean s / MiB |")
print("| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | --- |")
for item in sys.argv[2:]:
    name, mode = item.split("|")
    w = f"{b}/{name}"
    try:
        res = json.load(open(f"{w}/{mode}.json"))["results"]
    except Exception:
        print(f"| {name} | {mode} | hyperfine failed | | | | | | |"); continue
    def rss(tool):
        try: return f"{max(int(x) for x in open(f'{w}/{mode}-{tool}.rss').read().split() if x.isdigit())/1024:.0f}"
        except Exception: return "?"
    def failed(r):
        return any(c != 0 for c in (r.get("exit_codes") or []))
    t = next(r for r in res if r["command"] == "tusk")
    peers = [r for r in res if r["command"] != "tusk"]
    ok = [r for r in peers if not failed(r)]
    f = min(ok, key=lambda r: r["mean"]) if ok else None
    tm = f"{t['mean']:.3f} (± {t['stddev'] or 0:.3f})" + (" FAILED" if failed(t) else "")
    allp = ", ".join(f"{r['command']} {r['mean']:.3f} / {rss(r['command'])}" + (" FAILED" if failed(r) else "") for r in peers)
    if f:
        print(f"| {name} | {mode} | {tm} | {rss('tusk')} | {f['command']} | {f['mean']:.3f} | {rss(f['command'])} | {t['mean']/f['mean']:.2f}× | {allp} |")
    else:
        print(f"| {name} | {mode} | {tm} | {rss('tusk')} | (all failed) | | | | {allp} |")
print()
seen = set()
for item in sys.argv[2:]:
    name = item.split("|")[0]
    if name in seen: continue
    seen.add(name)
    print(f"### {name}\n\n```\n{open(f'{b}/{name}/diff.txt').read().rstrip()}\n```\n")
EOF
