# ionode: `make run` starts a development node on SQLite; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
IONODE_URL ?= http://localhost:8000
PYTEST_WORKERS ?= 2
# The browser tests (tests/browser) drive Debian's Chromium; Playwright never downloads one.
CHROMIUM := /usr/bin/chromium

.PHONY: run test lint typecheck bench clean chromium screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	mkdir -p data
	$(BIN)/ionode migrate --url $(IONODE_URL)
	$(BIN)/ionode serve --url $(IONODE_URL)

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

test: $(STAMP) chromium
	$(BIN)/ruff check node tests federation_tests bench
	$(BIN)/mypy
	$(BIN)/pytest -n $(PYTEST_WORKERS) -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check node tests federation_tests bench
	$(BIN)/ruff format --check node tests federation_tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# Full-page PNGs of the hub, event, poll and manage pages (1280 and 390 px) for the README.
screenshots: $(STAMP) chromium
	$(BIN)/python -m tests.browser.screenshots docs/screenshots

bench: $(STAMP)
	$(BIN)/python bench/inbox.py
	$(BIN)/python bench/fanout.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
