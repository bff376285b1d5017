# Bonne foi — the only entry points: make run, make test, make quality.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
UV := $(PYTHON) -m uv
MANAGE := $(UV) run --locked python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-sqlite test-postgres test-browser quality bench install clean

install:
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --locked

run: install
	mkdir -p var
	$(MANAGE) migrate --no-input
	$(MANAGE) load_demo
	scripts/serve.sh $(HOST) $(PORT)

test: install
	scripts/test-all.sh

test-sqlite: install
	scripts/test-suite.sh

test-postgres: install
	scripts/with-postgres.sh scripts/test-suite.sh

test-browser: install
	scripts/test-browser.sh

quality: install
	$(UV) run --locked ruff format --check .
	$(UV) run --locked ruff check .
	$(UV) run --locked djlint --lint bonnefoi/templates
	DJANGO_SETTINGS_MODULE=config.settings.test $(UV) run --locked python manage.py makemigrations --check --dry-run
	scripts/check-deploy.sh
	@if command -v shellcheck >/dev/null; then shellcheck scripts/*.sh .ci/run; else echo "shellcheck absent : vérification des scripts shell sautée"; fi

bench: install
	$(UV) run --locked --group bench python benchmarks/structure_tree.py
	scripts/with-postgres.sh $(UV) run --locked --group bench python benchmarks/structure_tree.py
	$(UV) run --locked --group bench python benchmarks/right_to_error.py
	$(UV) run --locked --group bench python benchmarks/advice.py
	scripts/with-postgres.sh $(UV) run --locked --group bench python benchmarks/advice.py
	scripts/with-postgres.sh $(UV) run --locked --group bench python benchmarks/cases.py
	scripts/with-postgres.sh $(UV) run --locked --group bench python benchmarks/observatory.py

clean:
	rm -rf var/*.sqlite3* var/static var/screenshots
