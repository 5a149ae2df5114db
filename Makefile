# `make run` and `make test` bootstrap .venv from pyproject.toml when it is
# missing or older than pyproject.toml, then run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint pytest clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ringback serve

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src

pytest: $(STAMP)
	scripts/ensure-chromium
	$(BIN)/pytest

test: lint pytest

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
