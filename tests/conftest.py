"""Shared fixtures. Airflow reads its configuration when first imported, so the environment of the
whole test session (a throw-away AIRFLOW_HOME, no examples, no telemetry) is set here, first."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from helpers import PROJECT_DIR, migrate_airflow_db, refresh

_session_home = Path(tempfile.mkdtemp(prefix="pv-warehouse-tests-"))
os.environ.update(
    {
        "AIRFLOW_HOME": str(_session_home / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_DIR / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_session_home / 'airflow' / 'airflow.db'}",
        "AIRFLOW__COSMOS__CACHE_DIR": str(_session_home / "cosmos_cache"),
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "GX_ANALYTICS_ENABLED": "False",
        "PV_WAREHOUSE_HOME": str(_session_home / "home"),
        "PV_WAREHOUSE_LANDING": str(_session_home / "landing"),
    }
)


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """A migrated Airflow metadata database for tests that parse or run the DAG."""
    from airflow.utils.db import initdb

    initdb()


@pytest.fixture(scope="session")
def migrated_airflow_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An Airflow metadata database migrated (with its pool) as a refresh's first step does, once for the
    session, for `helpers.new_home`. The demo refresh keeps migrating its own, as on a user's first run."""
    return migrate_airflow_db(tmp_path_factory.mktemp("migrated") / "home")


@pytest.fixture(scope="session")
def demo_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo extracts written once for the session (read-only for tests: copy before changing)."""
    from pv_warehouse.demo.extracts import write_demo_landing

    landing = tmp_path_factory.mktemp("demo") / "landing"
    write_demo_landing(landing)
    return landing


@pytest.fixture(scope="session")
def demo_run(
    tmp_path_factory: pytest.TempPathFactory, demo_landing: Path
) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """One `refresh` of the demo extracts into a fresh home, shared by the end-to-end tests.

    Read-only for tests: a test that refreshes again, or changes the home or the landing, copies both first
    (shutil.copytree; a copy is independent: each refresh points Airflow, dbt and GX at the home it is given).
    """
    landing = tmp_path_factory.mktemp("e2e") / "landing"
    shutil.copytree(demo_landing, landing)
    home = landing.parent / "home"
    return landing, home, refresh(landing, home)


# Every test gets exactly one tier (registered in pyproject.toml), from the first rule that applies:
# its own `pytest.mark.<tier>` (a test, or `pytestmark` of its module); `scheduler` if it uses the real
# scheduler's deployment; `refresh` if it uses a fixture that runs the nightly DAG or the benchmark; else
# its module's tier below, `unit` for modules not listed. `make test-fast` runs `unit` and `dbt` only.
TIERS = ("unit", "dbt", "refresh", "scheduler")
SCHEDULER_FIXTURES = {"deployment"}
# the fixtures that run a whole refresh (or the benchmark) themselves, by name or, for a name as common as
# `home`, as <module>:<name>; tests using a fixture that uses one of these are caught too, as pytest lists
# every fixture a test needs, however indirectly
REFRESH_FIXTURES = {
    "demo_run",
    "meddra_run",
    "bench_run",
    "together",
    "planted_run",
    "planted",
    "test_faers_real_excerpts:home",
}
# modules whose tests (those not caught above) run dbt, DuckDB, Great Expectations or Airflow, or every one
# of which runs `pv-warehouse refresh` itself
MODULE_TIERS = {
    "test_analyst": "dbt",
    "test_changes": "dbt",
    "test_completeness": "dbt",
    "test_critical_expectations": "dbt",
    "test_dag": "dbt",
    "test_dbt_project": "dbt",
    "test_faers": "dbt",
    "test_faers_drug_names": "dbt",
    "test_failure_messages": "refresh",
    "test_load": "dbt",
    "test_meddra": "dbt",
    "test_meddra_coding": "dbt",
    "test_pseudonymise": "dbt",
    "test_steward_report": "dbt",
    "test_validate": "dbt",
}


def _tier(item: pytest.Item) -> str:
    own = [mark.name for mark in item.iter_markers() if mark.name in TIERS]
    if own:
        assert len(set(own)) == 1, f"{item.nodeid} is marked {sorted(set(own))}: one tier only"
        return own[0]
    module = _module(item)
    fixtures = set(getattr(item, "fixturenames", ()))
    if fixtures & SCHEDULER_FIXTURES:
        return "scheduler"
    if (fixtures | {f"{module}:{name}" for name in fixtures}) & REFRESH_FIXTURES:
        return "refresh"
    return MODULE_TIERS.get(module, "unit")


# `make test` runs the modules on two workers (pytest-xdist, a whole module to a worker, in the order below:
# --no-loadscope-reorder). Each worker is handed two modules at the start and one more whenever it is down to
# one, so the longest go first, one pair to each worker, and the shortest last: the two finish together
# instead of one running a long module alone at the end
LONGEST_FIRST = ("test_publish_resilience", "test_bench", "test_scheduler", "test_bad_night")


def _module(item: pytest.Item) -> str:
    return item.module.__name__.rsplit(".", 1)[-1]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    heaviest: dict[str, int] = {}
    for item in items:
        tier = _tier(item)
        if not item.get_closest_marker(tier):
            item.add_marker(getattr(pytest.mark, tier))
        module = _module(item)
        heaviest[module] = max(heaviest.get(module, 0), TIERS.index(tier))

    def start_order(item: pytest.Item) -> tuple[int, int]:
        module = _module(item)
        first = LONGEST_FIRST.index(module) if module in LONGEST_FIRST else len(LONGEST_FIRST)
        return first, -heaviest[module]

    # a stable sort: each module keeps its tests' order, modules of the same tier their collection order
    items.sort(key=start_order)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_session_home, ignore_errors=True)
