"""The dbt project's own tests: every unit test of a study rule passes, and all of them run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from helpers import DBT_PROJECT, dbt
from pv_warehouse.core.settings import Settings
from pv_warehouse.ingest.load import load_landing


def unit_test_names() -> list[str]:
    names = []
    for path in (DBT_PROJECT / "models").rglob("_*unit_tests.yml"):
        names += [test["name"] for test in yaml.safe_load(path.read_text(encoding="utf-8"))["unit_tests"]]
    return names


@pytest.fixture(scope="module")
def built_home(tmp_path_factory: pytest.TempPathFactory, demo_landing: Path) -> Path:
    """A build database with every model, seed and data test run on the demo extracts."""
    home = tmp_path_factory.mktemp("dbt") / "home"
    load_landing(Settings(landing_dir=demo_landing, home_dir=home), "dbt-tests")
    build = dbt(home, "build", "--exclude", "resource_type:unit_test")
    assert build.returncode == 0, build.stdout[-4000:]
    return home


def test_every_rule_unit_test_passes(built_home: Path) -> None:
    names = unit_test_names()
    assert len(names) == len(set(names)) >= 50
    run = dbt(built_home, "test", "--select", "test_type:unit")
    assert run.returncode == 0, run.stdout[-4000:]
    done = re.search(r"Done\. PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)", run.stdout)
    assert done is not None
    assert tuple(int(n) for n in done.groups()) == (len(names), 0, 0, 0)


def test_a_changed_rule_parameter_makes_its_boundary_tests_fail(built_home: Path) -> None:
    run = dbt(built_home, "test", "--select", "test_type:unit", "--vars", "{course_gap_days: 29, min_course_days: 31}")
    assert run.returncode == 1
    assert "course_gap_of_exactly_course_gap_days_merges" in run.stdout
    assert "course_of_exactly_min_course_days_is_included" in run.stdout


@pytest.mark.parametrize("spill", ["another-disk", ""])
def test_dbt_connections_take_duckdb_limits_from_the_environment(
    built_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spill: str
) -> None:
    spill_dir = str(tmp_path / spill) if spill else ""
    monkeypatch.setenv("PV_WAREHOUSE_DUCKDB_MEMORY_LIMIT", "1GiB")
    monkeypatch.setenv("PV_WAREHOUSE_DUCKDB_THREADS", "1")
    monkeypatch.setenv("PV_WAREHOUSE_DUCKDB_TEMP_DIR", spill_dir)
    sql = (
        "select current_setting('memory_limit') as memory_limit, current_setting('threads') as threads, "
        "current_setting('temp_directory') as temp_directory"
    )
    run = dbt(built_home, "--quiet", "show", "--inline", sql, "--output", "json")
    assert run.returncode == 0, run.stdout[-4000:]
    shown = json.loads(run.stdout[run.stdout.index("{") :])["show"]
    # an empty variable, as compose passes an unset one, spills under the home folder
    expected_spill = spill_dir or str(built_home / "build" / "tmp")
    assert shown == [{"memory_limit": "1.0 GiB", "threads": 1, "temp_directory": expected_spill}]
