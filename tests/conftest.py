"""Shared fixtures. Airflow reads its configuration when first imported, so the environment of the
whole test session (a throw-away AIRFLOW_HOME, no examples, no telemetry) is set here, first."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
SHARED_DIR = PROJECT_DIR.parent / "shared"

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
    from pv_warehouse.demo_data import write_demo_landing

    landing = tmp_path_factory.mktemp("demo") / "landing"
    write_demo_landing(landing)
    return landing


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_session_home, ignore_errors=True)
