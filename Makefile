# pbx: make run · make test · make bench · make lint
# Everything runs from the virtualenv in .venv, created on first use.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
WORKERS ?= 2

.PHONY: run test bench lint format schemathesis clean

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

## test: the whole suite; SQLite by default, PostgreSQL when DATABASE_URL is set
test: $(VENV)/.installed-dev
	$(PY) -m pytest $(PYTEST_ARGS)

## schemathesis: serve with gunicorn and check every operation of the live schema
schemathesis: $(VENV)/.installed-dev
	bash scripts/schemathesis.sh

## bench: seed PostgreSQL at scale and print JSON figures: extensions and change log (bench/run.py), CDRs (bench/cdrs.py), webhooks (bench/webhooks.py)
bench: $(VENV)/.installed-dev
	@$(PY) bench/run.py
	@$(PY) bench/cdrs.py
	@$(PY) bench/webhooks.py

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) var/static .pytest_cache
