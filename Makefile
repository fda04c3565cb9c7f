# Cairn: `make run` serves the demo at http://127.0.0.1:8000, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast lint install demo bench

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first, pinned: the CPU build; letting pip resolve a bare torch pulls a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(BIN)/.installed node_modules/.installed

demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo_load

run: demo
	@echo "Cairn is at http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	$(BIN)/uvicorn tutoring.asgi:application --host $(HOST) --port $(PORT)

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Everything but the tests marked slow (statistical fits, evaluation runs, model generation, whole-course sweeps)
# and the browser tests, which `make test` runs.
test-fast: lint
	$(BIN)/python -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

# Style, and the layers' import contracts (pyproject.toml, [tool.importlinter]).
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: install
	$(BIN)/python -m knowledge.evaluate.bench --out bench-results
