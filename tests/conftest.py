"""Shared fixtures. Airflow reads its configuration when first imported, so the environment of the
whole test session (a throw-away AIRFLOW_HOME, no examples, no telemetry) is set here, first."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
SHARED_DIR = PROJECT_DIR.parent / "shared"
CLI = Path(sys.executable).parent / "pv-warehouse"
# the tables of schema marts: the analyst-marts contract's six, and the FAERS marts and sources comparison
PUBLISHED_MARTS = (
    "cohort_flow",
    "dim_patients",
    "faers_signals",
    "fct_cutaneous_reactions",
    "fct_faers_reports",
    "fct_pv_cases",
    "fct_treatment_courses",
    "skin_reactions_by_source",
    "study_summary",
)

# the nightly DAG's tasks in their order; end_run comes after them all, only when one failed
NIGHTLY_TASKS = ("load_raw", "check_changes", "transform", "validate", "publish", "dbt_docs", "report")

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


def rewrite_csv(path: Path, change: Callable[[list[dict[str, str]]], list[dict[str, str]]]) -> None:
    """Apply `change(rows)` to a landing CSV, keeping its encoding, delimiter and header."""
    raw = path.read_bytes()
    try:
        encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        encoding, text = "cp1252", raw.decode("cp1252")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    header = list(rows[0])
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, header, delimiter=";", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(change(rows))


def child_env(extra_env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a child `pv-warehouse`: none of this session's Airflow, pipeline or key settings."""
    private = ("AIRFLOW", "PV_WAREHOUSE", "DBT_ENV_SECRET")
    env = {key: value for key, value in os.environ.items() if not key.startswith(private)}
    env.update(extra_env or {})
    return env


def refresh_command(landing: Path, home: Path) -> list[str]:
    return [str(CLI), "refresh", "--landing", str(landing), "--home", str(home)]


def refresh(landing: Path, home: Path, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`pv-warehouse refresh` in a child process, with none of this session's Airflow or pipeline settings."""
    return subprocess.run(
        refresh_command(landing, home),
        cwd=PROJECT_DIR,
        env=child_env(extra_env),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def run_id_of(run: subprocess.CompletedProcess[str]) -> str:
    """The run id `refresh` printed."""
    match = re.search(r"The nightly run (\S+) (?:succeeded|failed)", run.stdout + run.stderr)
    assert match, run.stderr[-3000:]
    return match.group(1)


def published(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "analytics.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


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


# headless Chromium as the reports tests run it (Debian's package, which `make test` installs)
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        message = "Debian's chromium is not installed: `make test` installs it (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def unwritable(folder: Path) -> Callable[[], None]:
    """Make `folder` unwritable for this user (root too, through the immutable flag); returns the undo."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return lambda: folder.chmod(0o755)
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(folder)], check=False).returncode:
        pytest.skip("running as root without `chattr +i`: no folder can be made unwritable")
    return lambda: subprocess.run(["chattr", "-i", str(folder)], check=True)


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
