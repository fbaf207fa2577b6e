# The two commands of the README: `make run` and `make test`. Each sets up what is missing first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install -q -c constraints.txt
CHROMIUM := /usr/bin/chromium

.PHONY: run test test-fast lint bench setup setup-test browser postgres clean

run: $(VENV)/.installed
	$(BIN)/nn-playground serve

test: $(VENV)/.installed-test browser postgres lint
	$(BIN)/python -m pytest -q -ra

# Everything but the real-browser tests, for a quick loop while developing.
test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -ra -m "not e2e"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check models server tests bench
	$(BIN)/hadolint --failure-threshold warning Dockerfile

bench: $(VENV)/.installed
	$(BIN)/python -m bench

setup: $(VENV)/.installed
setup-test: $(VENV)/.installed-test

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(VENV)/bin/python pyproject.toml constraints.txt
	$(PIP) -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) -e '.[test]'
	touch $@

# Debian's chromium drives the browser tests; playwright never downloads a browser of its own.
browser:
	@test -x $(CHROMIUM) || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; }

# Debian's PostgreSQL: the persistence tests start a throwaway cluster of it (tests/persistence).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq postgresql; }

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-output
