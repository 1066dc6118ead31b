# Two commands (README): `make run` sets up and runs sitrep on the bundled reports;
# `make test` sets up and runs the tests. Both need only Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench clean chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/sitrep run

# Two pytest workers (pytest-xdist), a test file each at a time: most of the suite's time is whole `sitrep run`s
# and Prefect server start-ups, which use one core each; a file's shared fixtures stay in one worker.
test: $(STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q --durations=25 -n 2 --dist loadfile

# Headless Chromium renders `sitrep report` in a test. Installed from Debian's packages when we
# are root (CI); elsewhere the render test says it skipped and why.
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	  && (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
	  || echo "chromium not installed: the HTML report render test will be skipped"; }

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/extract_score.py

clean:
	rm -rf data .pytest_cache .ruff_cache
