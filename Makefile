# pbx: make run · make test · make bench · make lint · make schemathesis
# Everything runs from the virtualenv in .venv, created on first use.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
WORKERS ?= 2
# pytest-xdist workers for the test targets: one per core by default (1 runs in-process)
TEST_WORKERS ?= auto
PYTEST := $(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

.PHONY: run test test-pgbouncer test-sqlite bench lint format schemathesis schemathesis-deep clean

$(VENV)/.installed-runtime: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@ $(VENV)/.installed-runtime

## run: install, migrate, create the demo tenant, admin and key (first time), serve on 127.0.0.1:$(PORT)
run: $(VENV)/.installed-runtime
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py bootstrap --port $(PORT)
	@echo "Serving on http://127.0.0.1:$(PORT)/  (API: /api/, API docs: /api/docs/, admin: /admin/)"
	$(VENV)/bin/gunicorn pbx.wsgi --bind 127.0.0.1:$(PORT) --workers $(WORKERS) --access-logfile -

## test: the whole suite in parallel; SQLite by default, PostgreSQL when DATABASE_URL is set
test: $(VENV)/.installed-dev
	$(PYTEST) $(PYTEST_ARGS)

## test-pgbouncer: the whole suite on PostgreSQL (DATABASE_URL) through pgbouncer in transaction pooling mode, as CI runs it
test-pgbouncer: $(VENV)/.installed-dev
	@test -n "$(DATABASE_URL)" || { echo "test-pgbouncer: set DATABASE_URL=postgres://..."; exit 1; }
	scripts/with-pgbouncer $(PYTEST) $(PYTEST_ARGS)

## test-sqlite: on SQLite, what can differ from PostgreSQL: every test, generated ones for their first route (docs/testing.md)
test-sqlite: $(VENV)/.installed-dev
	env -u DATABASE_URL $(PYTEST) -m "not same_on_every_database" $(PYTEST_ARGS)

## schemathesis: serve with gunicorn and check every operation of the live schema (the CI's bounded budget)
schemathesis: $(VENV)/.installed-dev
	bash scripts/schemathesis.sh

## schemathesis-deep: the same with the deep budget (the coverage phase and 25 examples per operation)
schemathesis-deep: $(VENV)/.installed-dev
	SCHEMATHESIS_PHASES=examples,coverage,fuzzing SCHEMATHESIS_EXAMPLES=25 bash scripts/schemathesis.sh

## bench: seed PostgreSQL at scale and print JSON figures: extensions and change log (bench/run.py), CDRs (bench/cdrs.py), webhooks (bench/webhooks.py), Kamailio and the switch's lookups (bench/switch.py), CSV import (bench/imports.py), CDRs partitioned by month at 20,000,000 (bench/partitions.py)
bench: $(VENV)/.installed-dev
	@$(PY) bench/run.py
	@$(PY) bench/cdrs.py
	@$(PY) bench/webhooks.py
	@$(PY) bench/switch.py
	@$(PY) bench/imports.py
	@$(PY) bench/partitions.py

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) var/static .pytest_cache
