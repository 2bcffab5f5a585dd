"""Shared fixtures. Airflow reads its configuration when first imported, so the environment of the
whole test session (a throw-away AIRFLOW_HOME, no examples, no telemetry) is set here, first."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from helpers import PROJECT_DIR, refresh

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

    Some tests refresh that home again; tests that need the first run's state read its kept records
    (reports/runs/<run id>/) or copy the home first.
    """
    landing = tmp_path_factory.mktemp("e2e") / "landing"
    shutil.copytree(demo_landing, landing)
    home = landing.parent / "home"
    return landing, home, refresh(landing, home)


# modules whose tests run the nightly DAG (or a real scheduler, or the benchmark) at least once; with every
# test that uses the demo refresh, they are marked `refresh`: `make test-fast` leaves them out
WHOLE_RUN_MODULES = {
    "test_analyst",
    "test_bad_night",
    "test_bench",
    "test_completeness",
    "test_critical_expectations",
    "test_faers_real_excerpts",
    "test_failure_messages",
    "test_home_lock",
    "test_offline_reports",
    "test_plausibility",
    "test_pseudonymised_warehouse",
    "test_publish_resilience",
    "test_refresh_end_to_end",
    "test_scheduler",
    "test_steward_report",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.module.__name__ in WHOLE_RUN_MODULES or "demo_run" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.refresh)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_session_home, ignore_errors=True)
