#!/usr/bin/env bash
# Browser tests: Debian's Chromium driven by playwright (never a downloaded browser) + axe-core.
set -euo pipefail
cd "$(dirname "$0")/.."
chromium_path="${CHROMIUM_PATH:-$(command -v chromium || command -v chromium-browser || true)}"
if [ -z "$chromium_path" ]; then
  echo "Chromium introuvable : installez le paquet Debian « chromium » (apt-get install chromium)." >&2
  exit 3
fi
export CHROMIUM_PATH="$chromium_path"
echo "=== Tests navigateur : $("$chromium_path" --version 2>/dev/null | head -n 1) ==="
python3 -m uv run --locked pytest -m browser -q -p no:randomly "$@"
