# Get South Midlands Working — common tasks. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
WAREHOUSE ?= data/warehouse.duckdb
GEO_DIR ?= data/geo
PORT ?= 8501

.DEFAULT_GOAL := help
.PHONY: help setup data geo run test lint e2e bench screenshots clean

help:  ## list the targets
	@grep -E '^[a-z0-9-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/activate: requirements.txt requirements-dev.txt
	@echo '==> creating $(VENV) and installing requirements'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(BIN)/activate

setup: $(BIN)/activate  ## create the virtual environment and install everything

$(WAREHOUSE): | $(BIN)/activate
	@echo '==> building the warehouse (live sources, else the bundled sample)'
	$(BIN)/python -m etl build --db $(WAREHOUSE)

$(GEO_DIR)/lad.parquet: | $(BIN)/activate
	@echo '==> building map geometry (live boundaries, else the bundled schematic sample)'
	$(BIN)/python -m geo build --out $(GEO_DIR)

data: $(WAREHOUSE) $(GEO_DIR)/lad.parquet  ## build the warehouse and geometry if missing

run: setup data  ## set up, build data if missing, and start the dashboard
	@echo '==> starting the dashboard on http://localhost:$(PORT)'
	WAREHOUSE_PATH=$(WAREHOUSE) GEO_DIR=$(GEO_DIR) $(BIN)/python -m dashboard.serve --server.port $(PORT)

lint: setup  ## ruff
	$(BIN)/ruff check .

test: setup  ## lint, then every test (unit, app and browser)
	@echo '==> ruff'
	$(BIN)/ruff check .
	@echo '==> pytest'
	$(BIN)/python -m pytest -q

e2e: setup  ## only the browser tests
	$(BIN)/python -m pytest -q -m e2e

screenshots: setup  ## PNGs of every page, built from the real files in ../shared/data
	@echo '==> docs/screenshots/: real-data warehouse and geometry in a temp folder, one PNG per page'
	$(BIN)/python docs/screenshots/make_screenshots.py

bench: setup  ## performance figures (bench/results.json)
	$(BIN)/python -m bench

clean:  ## remove built data and caches (keeps the virtual environment)
	rm -rf data/warehouse.duckdb* data/geo data/cache .pytest_cache .ruff_cache
