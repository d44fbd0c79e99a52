# ionode: `make run` starts a development node on SQLite; `make test` runs every test.
# `make run` installs the runtime only (a Raspberry Pi needs no mypy, ruff or hypothesis);
# `make test` adds the test extras. Each install has its own stamp, redone when
# pyproject.toml changes. Settings come from the environment: `IONODE_PORT=8401 make run`
# serves http://localhost:8401 (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYPROJECT_SUM := $(shell cat pyproject.toml | cksum | cut -d' ' -f1)
RUN_STAMP := $(VENV)/.installed-run-$(PYPROJECT_SUM)
TEST_STAMP := $(VENV)/.installed-test-$(PYPROJECT_SUM)
PYTEST_WORKERS ?= 2
# worksteal: a worker that runs out of tests takes half of the other's queue, so the slow
# federation tests (5-20 s each, last in collection order) do not queue up behind one
# worker at the end while the other sits idle (xdist's default `load` hands out chunks).
PYTEST_DIST ?= worksteal
# The browser tests (tests/browser) drive Debian's Chromium; Playwright never downloads one.
CHROMIUM := /usr/bin/chromium

.PHONY: run test lint typecheck bench clean chromium screenshots messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	rm -f $(VENV)/.installed-run-*
	touch $(RUN_STAMP)

$(TEST_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-test-*
	touch $(TEST_STAMP)

run: $(RUN_STAMP)
	$(BIN)/ionode migrate
	$(BIN)/ionode serve

# Installs Debian's `chromium` package when it is missing (as root), or says what to do.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "make: the browser tests need Debian's Chromium at $(CHROMIUM), and only root can install it." >&2; \
	    echo "make: run 'sudo apt-get install -y chromium' (or 'make test' as root), then 'make test' again." >&2; \
	    exit 1; \
	  fi; \
	  echo "make: installing Debian's chromium package for the browser tests"; \
	  (apt-get update && apt-get install -y chromium) || { \
	    echo "make: apt-get could not install chromium; install the chromium package by hand, then run 'make test' again." >&2; \
	    exit 1; }; \
	  [ -x $(CHROMIUM) ] || { \
	    echo "make: the chromium package is installed but $(CHROMIUM) is still missing." >&2; exit 1; }; \
	fi

test: $(TEST_STAMP) chromium
	$(BIN)/ruff check node tests federation_tests bench
	$(BIN)/mypy
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist $(PYTEST_DIST) -p no:cacheprovider

lint: $(TEST_STAMP)
	$(BIN)/ruff check node tests federation_tests bench
	$(BIN)/ruff format --check node tests federation_tests bench

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

# Full-page PNGs of the hub, event, poll, manage and calendar pages (1280, 390 px) for the README.
screenshots: $(TEST_STAMP) chromium
	$(BIN)/python -m tests.browser.screenshots docs/screenshots

bench: $(TEST_STAMP)
	$(BIN)/python bench/inbox.py
	$(BIN)/python bench/fanout.py

# Re-extract the page texts into messages.pot and merge them into each catalogue
# (tests/node/test_i18n.py fails while the .pot is out of date); then translate the
# new entries of every non-English .po. Catalogues are compiled when the node starts.
LOCALES := node/web/locales
messages: $(RUN_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k C_:1c,2 --project ionode --version 0.1.0 --copyright-holder "ionode contributors" --no-location --sort-output --width 88 -o $(LOCALES)/messages.pot .
	$(BIN)/pybabel update -i $(LOCALES)/messages.pot -d $(LOCALES) --no-fuzzy-matching --ignore-obsolete --width 88 --ignore-pot-creation-date
	$(BIN)/python -m node.web.catalogues

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
