#!/usr/bin/env bash
# make test: the suite on SQLite, again on a throw-away PostgreSQL when its binaries are found,
# then the browser tests. Prints what ran; exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
declare -a summary=()
status=0

run_step() {
  local name="$1"
  shift
  if "$@"; then
    summary+=("OK     $name")
  else
    summary+=("ÉCHEC  $name")
    status=1
  fi
}

run_step "suite sur SQLite" scripts/test-suite.sh
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || [ -n "${PG_BINDIR:-}" ]; then
  run_step "suite sur PostgreSQL" scripts/with-postgres.sh scripts/test-suite.sh
else
  summary+=("ABSENT suite sur PostgreSQL (binaires PostgreSQL introuvables)")
fi
run_step "tests navigateur (Chromium)" scripts/test-browser.sh

echo
echo "=== Résumé de make test ==="
printf '%s\n' "${summary[@]}"
exit "$status"
