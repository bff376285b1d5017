#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL cluster: temp dir, unix socket only, non-durable
# (fsync off) for speed, stopped and deleted afterwards even when the command fails.
# Usage: scripts/with-postgres.sh COMMAND [ARGS...]   (DATABASE_URL is exported to COMMAND)
set -euo pipefail

bindir="${PG_BINDIR:-}"
if [ -z "$bindir" ] && command -v pg_config >/dev/null 2>&1; then
  bindir="$(pg_config --bindir)"
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  bindir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "PostgreSQL introuvable (initdb absent) : installez PostgreSQL 15 ou plus." >&2
  exit 3
fi

workdir="$(mktemp -d /tmp/bonnefoi-pg.XXXXXX)"
run_as=()
if [ "$(id -u)" = "0" ]; then
  # initdb refuses to run as root: use the postgres system user, creating one if needed.
  pg_user=postgres
  if ! id "$pg_user" >/dev/null 2>&1; then
    pg_user=bonnefoi-pg
    id "$pg_user" >/dev/null 2>&1 || useradd --system --no-create-home "$pg_user"
  fi
  chown "$pg_user" "$workdir"
  chmod 755 "$workdir"
  run_as=(runuser -u "$pg_user" --)
fi

stop_cluster() {
  "${run_as[@]}" "$bindir/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap stop_cluster EXIT INT TERM

"${run_as[@]}" "$bindir/initdb" -D "$workdir/data" -A trust -U postgres -E UTF8 \
  --locale=C.UTF-8 >"$workdir/initdb.log" 2>&1 || { cat "$workdir/initdb.log" >&2; exit 1; }
"${run_as[@]}" "$bindir/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w -t 60 start \
  -o "-k $workdir -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50" \
  >/dev/null || { cat "$workdir/server.log" >&2; exit 1; }

version="$("$bindir/postgres" --version)"
echo "PostgreSQL jetable démarré : $version (socket $workdir)"
export DATABASE_URL="postgres://postgres@${workdir//\//%2F}/postgres"
export BONNEFOI_DB_LABEL="$version"
"$@"
