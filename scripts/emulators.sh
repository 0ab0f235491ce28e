#!/usr/bin/env bash
# Starts/stops the local clouds for @multicloud sessions, docs and benchmarks (the test
# suites start their own on random ports and do not need this):
#   moto (AWS), Azurite (Azure Blob), fake-gcs-server (GCS) — installed by
#   scripts/setup/multicloud.sh — and tusk-cloud-fakes (ARM/Kudu + Cloud Functions v2).
# usage: scripts/emulators.sh start|stop|env
# `start` writes $TUSK_EMU_DIR/env.sh (default /tmp/tusk-emulators): source it to point
# tusk at the emulators (credentials + TUSK_MULTICLOUD__* endpoint overrides).
# Each emulator runs in a session (and process group) of its own, so `stop` ends it with
# everything it started (moto_server's Python child survived a plain kill of its pid).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$here/scripts/lib.sh"
root="${TUSK_CI_CACHE:-$HOME/.cache/tusk-ci}/multicloud"
dir="${TUSK_EMU_DIR:-/tmp/tusk-emulators}"
moto_port="${MOTO_PORT:-5055}"; az_port="${AZURITE_PORT:-10100}"; gcs_port="${FGCS_PORT:-4443}"

wait_for() { # url name log
  for _ in $(seq 1 300); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "emulators: $2 did not start ($1); the end of $3:" >&2
  tail -n 20 "$3" >&2 || true
  return 1
}

# spawn NAME LOG CMD...: starts CMD in a new session (setsid: its pid is its process group id)
# with its output in LOG and records the pid in $dir/NAME.pid.
spawn() {
  local name="$1" log="$2"; shift 2
  setsid "$@" >"$log" 2>&1 </dev/null &
  echo $! >"$dir/$name.pid"
}

# True when a process group with id PID exists (spawn makes each emulator's pid its group id;
# the group lives on while any member does, even after the leader exited).
group_exists() { kill -0 -- "-$1" 2>/dev/null; }

# True while any of the kill targets (pids, or -pgid) still exists.
any_alive() {
  local t
  for t in "$@"; do kill -0 -- "$t" 2>/dev/null && return 0; done
  return 1
}

start() {
  [[ -x "$root/venv-moto/bin/moto_server" ]] || { echo "emulators: run scripts/setup/multicloud.sh first" >&2; exit 1; }
  need setsid "install util-linux (Debian/Ubuntu: apt-get install util-linux)"
  mkdir -p "$dir"
  fakes="${TUSK_CLOUD_FAKES_BIN:-}"
  if [[ -z "$fakes" ]]; then
    target="${CARGO_TARGET_DIR:-$here/target}"
    fakes="$target/debug/tusk-cloud-fakes"
    [[ -x "$fakes" ]] || (cd "$here" && cargo build -q -p tusk-cloud-fakes)
  fi
  MOTO_IAM_LOAD_MANAGED_POLICIES=true spawn moto "$dir/moto.log" "$root/venv-moto/bin/moto_server" -H 127.0.0.1 -p "$moto_port"
  spawn azurite "$dir/azurite.log" "$root/azurite/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort "$az_port" \
      --location "$dir/azurite" --silent --disableTelemetry
  spawn fgcs "$dir/fgcs.log" "$root/fake-gcs-server" -scheme http -host 127.0.0.1 -port "$gcs_port" -backend memory \
      -log-level warn -external-url "http://127.0.0.1:$gcs_port"
  setsid "$fakes" --gcs "http://127.0.0.1:$gcs_port" --no-throttle >"$dir/fakes.out" 2>"$dir/fakes.log" </dev/null &
  echo $! >"$dir/fakes.pid"
  wait_for "http://127.0.0.1:$moto_port/moto-api/" moto "$dir/moto.log"
  wait_for "http://127.0.0.1:$gcs_port/storage/v1/b" fake-gcs-server "$dir/fgcs.log"
  wait_for "http://127.0.0.1:$az_port/devstoreaccount1?comp=list" azurite "$dir/azurite.log"
  for _ in $(seq 1 100); do grep -q '^GCF=' "$dir/fakes.out" 2>/dev/null && break; sleep 0.1; done
  arm=$(sed -n 's/^ARM=//p' "$dir/fakes.out"); gcf=$(sed -n 's/^GCF=//p' "$dir/fakes.out")
  [[ -n "$arm" && -n "$gcf" ]] || { echo "emulators: tusk-cloud-fakes did not start; the end of $dir/fakes.log:" >&2; tail -n 20 "$dir/fakes.log" >&2 || true; exit 1; }
  curl -fsS -X POST -H 'Content-Type: application/json' -d '{"lambda":{"use_docker":false}}' "http://127.0.0.1:$moto_port/moto-api/config" >/dev/null
  curl -fsS -X PUT -H 'Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0' \
      "http://127.0.0.1:$moto_port/tusk-artifacts" >/dev/null
  curl -fsS -X POST -H 'Content-Type: application/json' -d '{"name":"tusk-sources"}' "http://127.0.0.1:$gcs_port/storage/v1/b?project=test-project" >/dev/null
  [[ -f "$dir/sa-key.pem" ]] || logged "service-account key" openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/sa-key.pem"
  python3 - "$dir" "$gcf" <<'PY'
import json, sys
d, gcf = sys.argv[1], sys.argv[2]
key = open(f"{d}/sa-key.pem").read()
json.dump({"type": "service_account", "project_id": "test-project", "private_key_id": "k1", "private_key": key,
           "client_email": "deployer@test-project.iam.gserviceaccount.com", "token_uri": f"{gcf}/token"}, open(f"{d}/sa.json", "w"))
PY
  cat >"$dir/env.sh" <<ENV
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
export AZURE_TENANT_ID=tenant-1 AZURE_CLIENT_ID=client-1 AZURE_CLIENT_SECRET=emulator-secret AZURE_AUTHORITY_HOST=$arm
export GOOGLE_APPLICATION_CREDENTIALS=$dir/sa.json
export TUSK_MULTICLOUD__AWS_ENDPOINT=http://127.0.0.1:$moto_port
export TUSK_MULTICLOUD__AZURE_ARM_ENDPOINT=$arm
export TUSK_MULTICLOUD__AZURE_BLOB_ENDPOINT=http://127.0.0.1:$az_port/devstoreaccount1
export TUSK_MULTICLOUD__AZURE_SCM_ENDPOINT=$arm/scm/{app}
export TUSK_MULTICLOUD__GCP_ENDPOINT=$gcf
export TUSK_MULTICLOUD__GCP_RUN_ENDPOINT=$gcf
export TUSK_MULTICLOUD__GCP_LOGGING_ENDPOINT=$gcf
export TUSK_MULTICLOUD__GCP_STORAGE_ENDPOINT=http://127.0.0.1:$gcs_port
ENV
  echo "emulators: started; source $dir/env.sh" >&2
}

stop() {
  local n pid targets=()
  for n in fakes fgcs azurite moto; do
    [[ -f "$dir/$n.pid" ]] || continue
    pid="$(cat "$dir/$n.pid")"
    # An older pid file (started without setsid) names only the process itself.
    if group_exists "$pid"; then targets+=("-$pid"); elif kill -0 "$pid" 2>/dev/null; then targets+=("$pid"); fi
    rm -f "$dir/$n.pid"
  done
  if (( ${#targets[@]} )); then
    kill -TERM -- "${targets[@]}" 2>/dev/null || true
    # Give them 5 s to exit cleanly, then make sure.
    for _ in $(seq 1 50); do
      any_alive "${targets[@]}" || break
      sleep 0.1
    done
    if any_alive "${targets[@]}"; then
      echo "emulators: still running after 5 s; killing" >&2
      kill -KILL -- "${targets[@]}" 2>/dev/null || true
      for _ in $(seq 1 20); do any_alive "${targets[@]}" || break; sleep 0.1; done
    fi
  fi
  rm -rf "$dir/azurite"
  echo "emulators: stopped" >&2
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) cat "$dir/env.sh" ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
