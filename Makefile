# ionode: `make run` starts a development node on SQLite; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
IONODE_URL ?= http://localhost:8000
PYTEST_WORKERS ?= 2

.PHONY: run test lint typecheck bench clean messages

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

test: $(STAMP)
	$(BIN)/ruff check node tests federation_tests bench
	$(BIN)/mypy
	$(BIN)/pytest -n $(PYTEST_WORKERS) -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check node tests federation_tests bench
	$(BIN)/ruff format --check node tests federation_tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/inbox.py
	$(BIN)/python bench/fanout.py

# Re-extract the page texts into messages.pot and merge them into each catalogue
# (tests/node/test_i18n.py fails while the .pot is out of date); then translate the
# new entries of every non-English .po. Catalogues are compiled when the node starts.
LOCALES := node/web/locales
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k C_:1c,2 --project ionode --version 0.1.0 --copyright-holder "ionode contributors" --no-location --sort-output --width 88 -o $(LOCALES)/messages.pot .
	$(BIN)/pybabel update -i $(LOCALES)/messages.pot -d $(LOCALES) --no-fuzzy-matching --width 88 --ignore-pot-creation-date
	$(BIN)/python -m node.web.catalogues

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
