#!/usr/bin/env bash
# The whole non-browser suite on the database named by DATABASE_URL (SQLite when unset).
set -euo pipefail
cd "$(dirname "$0")/.."
label="${BONNEFOI_DB_LABEL:-SQLite}"
echo "=== Suite complète sur $label ==="
python3 -m uv run --locked pytest -m "not browser" -q "$@"
