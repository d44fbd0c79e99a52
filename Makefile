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

.PHONY: run test lint typecheck bench clean

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

test: $(TEST_STAMP)
	$(BIN)/ruff check node tests federation_tests bench
	$(BIN)/mypy
	$(BIN)/pytest -n $(PYTEST_WORKERS) -p no:cacheprovider

lint: $(TEST_STAMP)
	$(BIN)/ruff check node tests federation_tests bench
	$(BIN)/ruff format --check node tests federation_tests bench

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

bench: $(TEST_STAMP)
	$(BIN)/python bench/inbox.py
	$(BIN)/python bench/fanout.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
