# The README's two commands: `make run` and `make test`. Both bootstrap the locked environment first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# never let uv fetch a Python build: use the machine's Python 3.11 or 3.12
export UV_PYTHON_DOWNLOADS := never
# compile every installed module once at install: where the environment sets PYTHONDONTWRITEBYTECODE, each
# process (every Airflow task, dbt, Great Expectations) would otherwise compile Airflow, dbt and GX again
export UV_COMPILE_BYTECODE := 1
TOOLS := .tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
VENV_BIN := .venv/bin
LANDING ?= data/landing
HOME_DIR ?= warehouse

.PHONY: help setup browser postgres run test test-fast test-scheduler lint format demo-data clean

help:
	@echo "make run    build the warehouse from the demo extracts (or data/landing) and print the summary"
	@echo "make test   lint and run the whole test suite"
	@echo "make test-fast   lint and run the unit and dbt tiers (no refresh, no scheduler)"
	@echo "make test-scheduler   the compose deployment's services as processes on PostgreSQL, end to end"

$(TOOLS)/bin/uv:
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet "uv>=0.13,<0.14"

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked
	@touch $@

setup: .venv/.synced

demo-data: setup
	@if [ -z "$$(ls -A $(LANDING) 2>/dev/null)" ]; then \
		$(VENV_BIN)/pv-warehouse demo-data --out $(LANDING); \
	else \
		echo "$(LANDING) already holds extracts: demo data not written"; \
	fi

run: demo-data
	@start=$$(date +%s); \
	$(VENV_BIN)/pv-warehouse refresh --landing $(LANDING) --home $(HOME_DIR); status=$$?; \
	echo "make run took $$(( $$(date +%s) - start )) s (refresh only)"; exit $$status

lint: setup
	$(VENV_BIN)/ruff check .
	$(VENV_BIN)/ruff format --check .
	lint_home=$$(mktemp -d) && mkdir -p $$lint_home/build/tmp && cd dbt_project && PV_WAREHOUSE_HOME=$$lint_home PV_WAREHOUSE_PSEUDONYM_KEY=lint-only ../$(VENV_BIN)/sqlfluff lint models

format: setup
	$(VENV_BIN)/ruff check --fix .
	$(VENV_BIN)/ruff format .

# the steward report test opens the report in Debian's headless Chromium
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the steward report test"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo -n); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	}

# the scheduler test runs Airflow on Debian's PostgreSQL, a cluster of its own on loopback: the one the
# package may start at install is stopped
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		echo "installing Debian's postgresql for the scheduler test"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo -n); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; \
		$$SUDO pg_lsclusters --no-header 2>/dev/null | awk '$$4 == "online" {print $$1, $$2}' | \
			while read -r version cluster; do $$SUDO pg_ctlcluster "$$version" "$$cluster" stop; done; \
	}

test-scheduler: setup postgres
	$(VENV_BIN)/pytest tests/orchestrate/test_scheduler.py

test: lint browser postgres
	$(VENV_BIN)/pytest

# the tiers that run no refresh and no scheduler (unit and dbt): "did I break something?" in minutes
test-fast: lint
	$(VENV_BIN)/pytest -m "not refresh and not scheduler"

clean:
	rm -rf $(HOME_DIR) .venv $(TOOLS)
