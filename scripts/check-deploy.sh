#!/usr/bin/env bash
# `manage.py check --deploy` under the production settings, with production-like variables.
set -euo pipefail
cd "$(dirname "$0")/.."
DJANGO_SETTINGS_MODULE=config.settings.base \
  SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')" \
  CASE_IDENTIFIER_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')" \
  ALLOWED_HOSTS=bonnefoi.exemple.gouv.fr \
  DATABASE_URL="sqlite:////tmp/bonnefoi-check-deploy.sqlite3" \
  python3 -m uv run --locked python manage.py check --deploy --fail-level WARNING
