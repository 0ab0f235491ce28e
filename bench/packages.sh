#!/usr/bin/env bash
# Compares `tusk @packages resolve` with each ecosystem's own resolver on the same sets, in
# three modes, and reports wall time and peak RSS (one run each), plus the differences between
# the versions chosen.
#
#   bench/packages.sh [TUSK_BINARY]      # default: target/release/tusk
#
# Peers: uv (`pip install uv`) for PyPI, npm for npm, cargo for crates.io. Modes:
#   cold     empty caches (tusk: empty XDG_CACHE_HOME; uv: empty UV_CACHE_DIR; npm: empty
#            --cache; cargo: empty CARGO_HOME)
#   warm     caches present, revalidated over the network (tusk --max-age 0; uv default;
#            npm default; cargo generate-lockfile, which updates the index)
#   offline  caches present, no network (tusk --offline; uv --offline; npm --offline;
#            cargo --offline)
# Output: a Markdown table on stdout; raw outputs under $BENCH_DIR (default /tmp/tusk-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
TUSK="$(realpath "${1:-target/release/tusk}")"
B="${BENCH_DIR:-/tmp/tusk-bench}"
rm -rf "$B"; mkdir -p "$B"
PY=3.12
PLAT=manylinux_2_28_x86_64

# name|ecosystem|requirements (space separated, ecosystem syntax)
SETS=(
  "pypi-small|pypi|flask>=3 requests>=2.31"
  "pypi-medium|pypi|fastapi uvicorn[standard] sqlalchemy pydantic requests pandas numpy scikit-learn matplotlib jinja2"
  "npm-small|npm|express@^4"
  "npm-medium|npm|express@^4 webpack@^5 eslint@^9 typescript@^5 jest@^29"
  "crates-small|crates|serde@1 serde_json@1"
  "crates-medium|crates|tokio@1 axum@0.8 reqwest@0.12 serde@1 serde_json@1 clap@4 tracing@0.1 tracing-subscriber@0.3 anyhow@1"
)

measure() { # label, then the command; prints "seconds maxrss_kb"
  local label=$1; shift
  local out="$B/$label"
  if /usr/bin/time -f "%e %M" -o "$out.time" "$@" >"$out.out" 2>"$out.err"; then
    cat "$out.time"
  else
    echo "FAIL $(tail -1 "$out.time")"
  fi
}

tusk_specs() { # eco, reqs -> specs
  local eco=$1; shift
  for r in "$@"; do printf '%s:%s\n' "$eco" "$r"; done
}

echo "| set | mode | tusk s | tusk MiB | peer | peer s | peer MiB | ratio |"
echo "| --- | --- | ---: | ---: | --- | ---: | ---: | ---: |"
for set in "${SETS[@]}"; do
  IFS='|' read -r name eco reqs <<<"$set"
  [[ -n "${ONLY:-}" && "$name" != *"$ONLY"* ]] && continue
  read -r -a R <<<"$reqs"
  mapfile -t SPECS < <(tusk_specs "$eco" "${R[@]}")
  W="$B/$name"; mkdir -p "$W/proj"
  export XDG_CACHE_HOME="$W/tusk-cache"
  tflags=(--no-progress -o json @packages resolve --python "$PY" --platform "$PLAT")
  case $eco in
    pypi)
      printf '%s\n' "${R[@]}" >"$W/proj/requirements.in"
      peer=uv
      peer_cmd="uv pip compile --quiet --python-version $PY --python-platform x86_64-manylinux_2_28 --cache-dir $W/uv-cache MODE $W/proj/requirements.in -o $W/proj/requirements.txt"
      ;;
    npm)
      deps=$(for r in "${R[@]}"; do n=${r%@*}; v=${r##*@}; printf '"%s":"%s",' "$n" "$v"; done)
      printf '{"name":"bench","version":"1.0.0","dependencies":{%s}}\n' "${deps%,}" >"$W/proj/package.json"
      peer=npm
      peer_cmd="cd $W/proj && rm -f package-lock.json && npm install --package-lock-only --ignore-scripts --no-audit --no-fund --cache $W/npm-cache MODE"
      ;;
    crates)
      mkdir -p "$W/proj/src"; : >"$W/proj/src/lib.rs"
      { printf '[package]\nname = "bench"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
        for r in "${R[@]}"; do printf '%s = "%s"\n' "${r%@*}" "${r##*@}"; done; } >"$W/proj/Cargo.toml"
      peer=cargo
      peer_cmd="cd $W/proj && CARGO_HOME=$W/cargo-home CARGO_TARGET_DIR=$W/cargo-target cargo generate-lockfile --quiet MODE"
      ;;
  esac
  for mode in cold warm offline; do
    case $mode in
      cold) rm -rf "$XDG_CACHE_HOME" "$W/uv-cache" "$W/npm-cache" "$W/cargo-home"; tm=(); pm=() ;;
      warm) tm=(--max-age 0); pm=() ;;
      offline) tm=(--offline); case $eco in pypi) pm=(--offline) ;; npm) pm=(--offline) ;; crates) pm=(--offline) ;; esac ;;
    esac
    read -r ts tm_kb < <(measure "$name-tusk-$mode" "$TUSK" "${tflags[@]}" "${tm[@]}" "${SPECS[@]}")
    read -r ps pm_kb < <(measure "$name-$peer-$mode" bash -c "${peer_cmd/MODE/${pm[*]:-}}")
    ratio=$(python3 -c "a,b='$ts','$ps'; print(f'{float(a)/float(b):.2f}x' if a.replace('.','',1).isdigit() and b.replace('.','',1).isdigit() and float(b)>0 else 'n/a')")
    mib() { python3 -c "v='$1'; print(f'{int(v)/1024:.0f}' if v.isdigit() else v)"; }
    echo "| $name | $mode | $ts | $(mib "$tm_kb") | $peer | $ps | $(mib "$pm_kb") | $ratio |"
  done
  # The versions each tool chose, compared.
  python3 bench/packages_compare.py "$eco" "$B/$name-tusk-cold.out" "$W/proj" >"$B/$name-diff.txt" || true
done
echo
for set in "${SETS[@]}"; do
  name=${set%%|*}
  [[ -n "${ONLY:-}" && "$name" != *"$ONLY"* ]] && continue
  echo "### $name"; echo; echo '```'; cat "$B/$name-diff.txt"; echo '```'; echo
done
