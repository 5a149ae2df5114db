# `make run` and `make test` bootstrap .venv from pyproject.toml when it is
# missing or older than pyproject.toml, then run. One .venv, two stamps:
# `make run` installs only what running needs (RUNTIME); `make test` adds the
# dev extras (pytest, playwright, ruff, mypy...) on top (DEV).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed

.PHONY: run test lint pytest test-min clean

$(RUNTIME): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME)

$(DEV): $(RUNTIME) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(DEV)

run: $(RUNTIME)
	$(BIN)/ringback serve

lint: $(DEV)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src

# Two pytest workers (pytest-xdist), each with its own embedded Redis and
# SQLite file, or its own database on REDIS_URL's and DATABASE_URL's servers
# (tests/conftest.py); PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2

pytest: $(DEV)
	scripts/ensure-chromium
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

test: lint pytest

# The suite again with the lowest versions pyproject.toml allows
# (.ci/constraints-min.txt), in .venv-min, so the floors stay true.
MIN_STAMP := .venv-min/.installed
$(MIN_STAMP): pyproject.toml .ci/constraints-min.txt
	test -x .venv-min/bin/python || $(PYTHON) -m venv .venv-min
	.venv-min/bin/python -m pip install --quiet --upgrade pip
	.venv-min/bin/python -m pip install --quiet -c .ci/constraints-min.txt -e '.[dev]'
	touch $(MIN_STAMP)

# The browser tests and the slow process tests (serve, worker stops) stay in the
# first pass: what they check does not move with the Python packages' floors, and
# CI's ten minutes are tight. The races run again, against the servers.
test-min: $(MIN_STAMP)
	.venv-min/bin/pytest -n $(PYTEST_WORKERS) --dist loadfile -m "not browser and (not slow or race)"

clean:
	rm -rf $(VENV) .venv-min var .pytest_cache .mypy_cache .ruff_cache
