# The two commands a new machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format install install-dev browser clean mutation

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: web (http://$(HOST):$(PORT)) + django-q2 worker + sandbox emulators, until Ctrl-C
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_demo --url http://$(HOST):$(PORT)/
	rm -f data/sandbox.json
	HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/honcho -f Procfile start

## browser: Debian's Chromium for the browser tests (Playwright never downloads one)
browser:
	@test -x /usr/bin/chromium || ./scripts/install-chromium.sh

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## test: lint, then the whole suite (SQLite + ORM broker unless DATABASE_URL / REDIS_URL say otherwise)
test: install-dev browser lint
	$(PY) -m pytest $(PYTEST_ARGS)

## mutation: mutmut (and a table mutator) over the rule modules with their tests; not part of `make test` (docs/mutation.md)
mutation: install-dev
	$(PY) scripts/mutation.py $(MODULES)

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
