# Set-up and checks for cinlab. On a fresh machine (python3 with venv) you need only:
#   make lab    open the lessons in JupyterLab (a working copy in my-lessons/)
#   make test   run the test suite
# Both create .venv first. Override the interpreter with e.g. `make test PYTHON=python3.12`
# and pass pytest options with e.g. `make test PYTEST_ARGS='-k cohort'`.
# `make test-fast` leaves out the slow statistical runs and the real-browser tests.

PYTHON ?= python3
PYTEST_ARGS ?=
VENV := .venv
BIN := $(VENV)/bin
# Written after a complete install; they live inside .venv so deleting .venv also
# forgets them. Make re-installs when a dependency file is newer than its stamp: the
# lesson stack (STAMP) for `make lab`, the test tools on top of it (TEST_STAMP) for
# `make test` and `make lint`.
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# `make lab` works on a copy made by `cinlab lessons` (git-ignored): students' edits never
# change the tracked lessons, and the teacher material is not served.
LESSONS_COPY ?= my-lessons

.PHONY: venv test-venv lab test test-fast lint typecheck clean

venv: $(STAMP)
test-venv: $(TEST_STAMP)

# The pinned stack first, then cinlab itself with --no-deps so that nothing is resolved
# beyond binder/requirements.txt; pip check then fails if the pins miss a dependency.
$(STAMP): pyproject.toml binder/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r binder/requirements.txt
	$(BIN)/python -m pip install --no-deps -e .
	$(BIN)/python -m pip check
	touch $@

$(TEST_STAMP): $(STAMP) requirements-test.txt
	$(BIN)/python -m pip install -r binder/requirements.txt -r requirements-test.txt
	$(BIN)/python -m pip check
	touch $@

# `cinlab lab` copies the lessons into $(LESSONS_COPY) (never overwriting a file there)
# and starts JupyterLab on 127.0.0.1 with its login token: open the URL it prints.
lab: venv
	$(BIN)/cinlab lab $(LESSONS_COPY)

# Any pytest failure fails make, including exit code 5 (no tests collected).
test: test-venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The quick check while working: no slow statistical runs, no real browser.
test-fast: test-venv
	$(BIN)/python -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

lint: test-venv
	$(BIN)/python -m ruff check .
	$(BIN)/python -m mypy cinlab

# Static type check of the package (mypy, from the test extra).
typecheck: test-venv
	$(BIN)/python -m mypy cinlab

# .hypothesis only replays past local failures: CI runs hypothesis derandomised and
# without that database (tests/conftest.py), so deleting it changes no CI result.
clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache .mypy_cache .hypothesis
	find . -name '*.egg-info' -prune -exec rm -rf {} +
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
