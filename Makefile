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

.PHONY: help setup browser postgres run test test-fast test-scheduler lint sqllint typecheck imports format demo-data \
	clean

# every target says what it does after "##" on its own line: `make help` lists them
help: ## list the targets
	@awk -F ':.*## ' '/^[a-z-]+:.*## / {printf "make %-15s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(TOOLS)/bin/uv:
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet "uv>=0.13,<0.14"

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked
	@touch $@

setup: .venv/.synced ## install uv and the locked environment in .venv

demo-data: setup ## write demo extracts into data/landing (LANDING=DIR) when it is empty
	@if [ -z "$$(ls -A $(LANDING) 2>/dev/null)" ]; then \
		$(VENV_BIN)/pv-warehouse demo-data --out $(LANDING); \
	else \
		echo "$(LANDING) already holds extracts: demo data not written"; \
	fi

run: demo-data ## build the warehouse from the demo extracts (or data/landing) and print the summary
	@start=$$(date +%s); \
	$(VENV_BIN)/pv-warehouse refresh --landing $(LANDING) --home $(HOME_DIR); status=$$?; \
	echo "make run took $$(( $$(date +%s) - start )) s (refresh only)"; exit $$status

lint: setup ## ruff (check and format), sqllint, typecheck and imports: what pre-commit runs too
	$(VENV_BIN)/ruff check .
	$(VENV_BIN)/ruff format --check .
	@$(MAKE) --no-print-directory sqllint typecheck imports

# sqlfluff's dbt templater skips macro files, so a macro's SQL is linted inside each model that calls it
# (ignore_templated_areas = False in dbt_project/.sqlfluff)
sqllint: setup ## sqlfluff over the dbt models and the SQL their macros write
	lint_home=$$(mktemp -d) && trap "rm -rf $$lint_home" EXIT && mkdir -p $$lint_home/build/tmp && cd dbt_project && PV_WAREHOUSE_HOME=$$lint_home PV_WAREHOUSE_PSEUDONYM_KEY=lint-only ../$(VENV_BIN)/sqlfluff lint models

typecheck: setup ## mypy over include/ and dags/
	$(VENV_BIN)/mypy

imports: setup ## import-linter: the package's layers, no cycles, what the DAG file imports
	$(VENV_BIN)/lint-imports

format: setup ## let ruff fix and format the code
	$(VENV_BIN)/ruff check --fix .
	$(VENV_BIN)/ruff format .

# the steward report test opens the report in Debian's headless Chromium
browser: ## install Debian's chromium with apt (sudo) when missing
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the steward report test"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo -n); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	}

# the scheduler test runs Airflow on Debian's PostgreSQL, a cluster of its own on loopback: the one the
# package may start at install is stopped
postgres: ## install Debian's postgresql with apt (sudo) when missing
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		echo "installing Debian's postgresql for the scheduler test"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo -n); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; \
		$$SUDO pg_lsclusters --no-header 2>/dev/null | awk '$$4 == "online" {print $$1, $$2}' | \
			while read -r version cluster; do $$SUDO pg_ctlcluster "$$version" "$$cluster" stop; done; \
	}

test-scheduler: setup postgres ## the compose deployment's services as processes on PostgreSQL, end to end
	$(VENV_BIN)/pytest tests/orchestrate/test_scheduler.py

# two workers, each given whole modules (a module's fixtures are built once), in the order tests/conftest.py
# sets (longest first); TEST_WORKERS=0 runs in-process
TEST_WORKERS ?= 2
PYTEST_WORKERS = -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

test: lint browser postgres ## lint and run the whole test suite (installs chromium and postgresql)
	$(VENV_BIN)/pytest $(PYTEST_WORKERS)

# the tiers that run no refresh and no scheduler (unit and dbt): "did I break something?" in minutes
test-fast: lint ## lint and run the unit and dbt tiers (no refresh, no scheduler)
	$(VENV_BIN)/pytest $(PYTEST_WORKERS) -m "not refresh and not scheduler"

clean: ## remove warehouse/ (HOME_DIR=DIR), .venv and the bootstrapped uv
	rm -rf $(HOME_DIR) .venv $(TOOLS)
