# One obvious way to run, test and benchmark. Both `run` and `test` set up everything
# on a fresh machine (a virtualenv in .venv, the front-end packages via `npm ci`) and
# are quick the second time: stamps record what is already installed.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 1
PIP_INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check -c .ci/constraints.txt

.PHONY: run test test-fast lint jstest bench experiments bundle clean

# The page's bundle (static/build/bundle.mjs, esbuild): rebuilt when a source changes.
BUNDLE := static/dist/manifest.json
PAGE_SOURCES := $(wildcard static/js/*.js static/css/*.css) static/build/bundle.mjs

run: $(BUNDLE) $(VENV)/.stamp-run
	$(VENV)/bin/playground serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

test: $(BUNDLE) $(VENV)/.stamp-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(MAKE) --no-print-directory jstest
	$(PY) -m pytest

# Everything but the browser, nginx, Dask-cluster and notebook tests, on every core
# (pytest-xdist, a file to a worker: tests in one file share servers and ports): the
# quick loop, 99 s on 2 cores (2026-12-05).
test-fast: $(BUNDLE) $(VENV)/.stamp-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(MAKE) --no-print-directory jstest
	$(PY) -m pytest -n auto --dist loadfile -m "not browser" --ignore=tests/browser --ignore=tests/deploy \
		--ignore=tests/cluster --ignore=tests/test_notebooks.py

# The page's own checks: unit tests of its pure modules, and tsc over // @ts-check.
jstest: node_modules/.package-lock.json
	node --test tests/js/
	node_modules/.bin/tsc --noEmit -p tsconfig.json

lint: $(VENV)/.stamp-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: $(BUNDLE) $(VENV)/.stamp-test
	$(PY) -m bench

experiments: $(VENV)/.stamp-run
	$(PY) -m bench.experiments

$(PY):
	$(PYTHON) -m venv $(VENV)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

bundle: $(BUNDLE)

$(BUNDLE): node_modules/.package-lock.json $(PAGE_SOURCES)
	npm run --silent build

$(VENV)/.stamp-run: pyproject.toml .ci/constraints.txt | $(PY)
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.stamp-test: pyproject.toml .ci/constraints.txt | $(PY)
	$(PIP_INSTALL) -e ".[test,dev,cluster]"
	touch $@ $(VENV)/.stamp-run

clean:
	rm -rf $(VENV) node_modules static/dist .pytest_cache .ruff_cache .mypy_cache
