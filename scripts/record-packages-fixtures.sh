#!/usr/bin/env bash
# Records real registry responses for the @packages hermetic tests into fixtures/packages/.
# Resolves each scenario's specs against the live registries with an empty cache and exports
# every document fetched (URLs inside documents are rewritten to the fixture server's).
# Re-run after adding a scenario; review the diff (new upstream versions change results).
set -euo pipefail
cd "$(dirname "$0")/.."
out=fixtures/packages
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}" cargo run -q -p tusk-resolver --example record -- "$out" \
  'crates:serde[derive]@1' 'crates:rand@0.7' 'crates:rand@0.8' 'crates:serde_json@1' \
  'crates:serde@=1.0.190' 'crates:serde_json@=1.0.117' \
  'npm:debug@^4' 'npm:send@0.18' 'npm:chokidar@3' 'npm:ajv-keywords@5' 'npm:ajv@6' \
  'pypi:flask[async,dotenv]>=3.0' 'pypi:werkzeug<3' 'pypi:flask>=3.0' 'pypi:werkzeug==2.2.0a1' 'pypi:werkzeug>=2.1,<2.2.0' 'pypi:flask>=3.0 && pypi:werkzeug<3' 'pypi:click>=8.2.1,<8.2.3' 'pypi:asgiref>=3.7.0,<3.7.1' --python 3.9 'pypi:flask>=3' --python 3.8 'pypi:flask>=2' \
  --target x86_64-pc-windows-msvc 'crates:rand@0.7' \
  "$@"
