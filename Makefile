# cobrowse-mirror: `make demo` and `make test` set everything up on a fresh machine first.
# `make setup` (scripts/setup.sh) finds a Chromium ($CHROMIUM, Playwright's own, the system's
# chromium) or installs Debian's chromium package; `playwright install` is only the last resort.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8080
NODES  ?= 3

.PHONY: setup demo cluster test test-fast bench lint clean screenshots

setup:
	@PYTHON=$(PYTHON) bash scripts/setup.sh

demo: setup
	$(BIN)/cobrowse demo --port $(PORT)

# Redis, PostgreSQL, $(NODES) nodes and HAProxy on $(PORT), the sample shop on the next port.
cluster: setup
	$(BIN)/cobrowse cluster --nodes $(NODES) --port $(PORT)

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The unit tests alone (no browser, no server): seconds, for the edit-and-check loop.
test-fast: setup
	$(BIN)/python -m pytest -q tests/unit $(PYTEST_ARGS)

# The README's and the guides' screenshots, taken from the real pages into docs/.
screenshots: setup
	$(BIN)/python scripts/screenshots.py

bench: setup
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: setup
	$(BIN)/ruff check mirror replay tests bench examples scripts
	$(BIN)/mypy

clean:
	rm -rf $(VENV) node_modules mirror/static .stamp-*
