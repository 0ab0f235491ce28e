# Helpers shared by scripts/setup/*.sh and scripts/emulators.sh. Source it:
#   . "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
#
# Installs go over the network, which fails now and then (a registry hiccup, a slow mirror), so
# every install runs through `retry`: three tries, 5 s then 15 s apart. A command's output is
# kept in a log and shown when it fails, so a failure is never silent, and a success stays short.

# Seconds to wait before the 2nd, 3rd… try. TUSK_RETRY_DELAYS="0 0" makes failures quick.
read -r -a _tusk_retry_delays <<<"${TUSK_RETRY_DELAYS:-5 15}"

# The calling script's name, for messages.
_tusk_script() { basename "${BASH_SOURCE[-1]:-$0}"; }

# need COMMAND HOW_TO_INSTALL: exits with a hint when COMMAND is not on PATH.
need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "error: $(_tusk_script): \`$1\` is not installed (needed to set up the tests)" >&2
  echo "hint: $2" >&2
  exit 1
}

# logged WHAT CMD...: runs CMD once with its output in a log; on failure prints the log and
# returns CMD's exit code.
logged() {
  local what="$1"; shift
  local log rc=0
  log="$(mktemp "${TMPDIR:-/tmp}/tusk-setup.XXXXXX")"
  "$@" >"$log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "---- $what: \`$*\` failed (exit $rc); its output: ----" >&2
    cat "$log" >&2
    echo "---- end of output ----" >&2
  fi
  rm -f "$log"
  return "$rc"
}

# retry WHAT HOW_TO_INSTALL_BY_HAND CMD...: runs CMD up to 1 + ${#delays} times (output shown
# when a try fails); when the last try fails, says which tool failed and how to install it by
# hand, then exits 1.
retry() {
  local what="$1" manual="$2"; shift 2
  local attempt=1 tries=$(( ${#_tusk_retry_delays[@]} + 1 )) rc
  while :; do
    rc=0
    logged "$what (try $attempt of $tries)" "$@" || rc=$?
    [ "$rc" -eq 0 ] && return 0
    if [ "$attempt" -ge "$tries" ]; then
      echo "error: $(_tusk_script): installing $what failed $tries times (last exit code $rc)" >&2
      echo "hint: install it by hand: $manual" >&2
      exit 1
    fi
    local delay="${_tusk_retry_delays[$((attempt - 1))]}"
    echo "$(_tusk_script): installing $what failed (try $attempt of $tries); retrying in ${delay}s" >&2
    sleep "$delay"
    attempt=$((attempt + 1))
  done
}
