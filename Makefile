# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
PROCESSES ?= 2

.PHONY: run serve-multi test demo lint format clean bench

# Pinned packages go in with uv (from PyPI: a fresh venv in seconds, not half a minute); pip installs them when
# uv cannot be had or fails. The pins are exact, so both give the same versions.
INSTALL = $(PY) -m pip install -q --disable-pip-version-check uv==0.13.9 && $(PY) -m uv pip install -q --python $(PY) -r $(1) \
	|| $(PY) -m pip install -q --disable-pip-version-check -r $(1)

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(call INSTALL,requirements.txt)
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt requirements-spark.txt $(VENV)/.installed
	$(call INSTALL,requirements-dev.txt)
	$(call INSTALL,requirements-spark.txt)
	touch $@

## run: set up, build the demo database if none exists, serve on port $(PORT)
run: $(VENV)/.installed
	$(PY) -m burden demo
	$(PY) -m streamlit run serve.py --server.port $(PORT)

## serve-multi: as run, but $(PROCESSES) server processes behind HAProxy on port $(PORT), sticky sessions
## (needs Debian's haproxy: apt-get install haproxy); logs in logs/
serve-multi: $(VENV)/.installed
	$(PY) -m burden demo
	$(PY) -m burden serve --processes $(PROCESSES) --port $(PORT)

## demo: build (or rebuild) the demo database alone
demo: $(VENV)/.installed
	$(PY) -m burden demo --force

## test: set up and run every test (unit, queries, AppTest, browser), on every core (pytest-xdist, a module per
## worker, longest first: tests/conftest.py); the session demo databases are built once per run and shared.
## `pytest -q tests/test_x.py` runs a file alone, in one process.
test: $(VENV)/.dev-installed
	$(PY) -m ruff check .
	$(PY) -m pytest -q --durations=15 -n auto --dist loadfile --no-loadscope-reorder

lint: $(VENV)/.dev-installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(VENV)/.dev-installed
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

## bench: the benchmark (issue 5): builds data/bench/s90/ (province, ~1B events) once (BURDEN_BENCH_DB
## to move it), prints the table and writes bench/results/<date>.json;
## `make bench ARGS=--quick` runs at demo scale 0.1 in about a minute,
## `make bench ARGS="--scale 3"` at another scale
bench: $(VENV)/.dev-installed
	$(PY) -m bench $(ARGS)
