# Set-up and checks for cinlab. On a fresh machine (python3 with venv) you need only:
#   make lab    open the lessons in JupyterLab
#   make test   run the test suite
# Both create .venv first. Override the interpreter with e.g. `make test PYTHON=python3.12`
# and pass pytest options with e.g. `make test PYTEST_ARGS='-k cohort'`.
# `make test-fast` leaves out the slow statistical runs and the real-browser tests.

PYTHON ?= python3
PYTEST_ARGS ?=
VENV := .venv
BIN := $(VENV)/bin
# Written after a complete install; it lives inside .venv so deleting .venv also
# forgets it. Make re-installs when either dependency file is newer than the stamp.
STAMP := $(VENV)/.installed

# JupyterLab refuses to start as root (containers, CI) without --allow-root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: venv lab test test-fast lint typecheck clean

venv: $(STAMP)

# The pinned stack first, then cinlab itself with --no-deps so that nothing is resolved
# beyond binder/requirements.txt; pip check then fails if the pins miss a dependency.
$(STAMP): pyproject.toml binder/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r binder/requirements.txt
	$(BIN)/python -m pip install --no-deps -e .
	$(BIN)/python -m pip check
	touch $@

# Listens on 127.0.0.1 only, with JupyterLab's default token: open the URL it prints.
lab: venv
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 $(ALLOW_ROOT) lessons/

# Any pytest failure fails make, including exit code 5 (no tests collected).
test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The quick check while working: no slow statistical runs, no real browser.
test-fast: venv
	$(BIN)/python -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

lint: venv
	$(BIN)/python -m ruff check .
	$(BIN)/python -m mypy cinlab

# Static type check of the package (mypy, from the test extra).
typecheck: venv
	$(BIN)/python -m mypy cinlab

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache .mypy_cache .hypothesis
	find . -name '*.egg-info' -prune -exec rm -rf {} +
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
