#!/usr/bin/env bash
# Serve the platform for development: the task worker in the background, the web server in front.
set -euo pipefail
cd "$(dirname "$0")/.."
host="${1:-127.0.0.1}"
port="${2:-8000}"
python3 -m uv run --locked python manage.py db_worker &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM
echo "Bonne foi : http://$host:$port/  (espace agent : http://$host:$port/connexion/)"
python3 -m uv run --locked python manage.py runserver "$host:$port"
