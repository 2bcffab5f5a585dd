"""What makes a night rebuild: a new snapshot, a changed rule or code file, another pseudonym key, a
rollback, or asking for it. Anything else leaves the published warehouse as it is."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from helpers import PROJECT_DIR
from pv_warehouse.core.settings import Settings
from pv_warehouse.publish.input_fingerprint import (
    ENV_REBUILD,
    forget_published_inputs,
    inputs_fingerprint,
    record_published_inputs,
    unchanged_since_publish,
)

KEY = b"k" * 32


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    project = tmp_path / "project"
    for folder in ("dbt_project", "expectations", "include/pv_warehouse"):
        shutil.copytree(PROJECT_DIR / folder, project / folder, ignore=shutil.ignore_patterns("target", "logs"))
    settings = Settings(landing_dir=tmp_path / "landing", home_dir=tmp_path / "home", project_dir=project)
    settings.build_db.parent.mkdir(parents=True)
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.snapshot_manifest (source varchar, snapshot_date date, raw_table varchar, sha256 varchar)"
        )
        con.execute("insert into raw.snapshot_manifest values ('hospital', '2016-05-15', 'hospital_patients', 'aa')")
    settings.published_db.write_bytes(b"published")
    return settings


def test_the_same_inputs_give_the_same_fingerprint_and_are_found_unchanged(settings: Settings) -> None:
    fingerprint = inputs_fingerprint(settings, KEY)
    assert fingerprint == inputs_fingerprint(settings, KEY)
    assert unchanged_since_publish(settings, fingerprint) is None
    record_published_inputs(settings, "scheduled__2026-11-25", fingerprint)
    found = unchanged_since_publish(settings, fingerprint)
    assert found is not None and found.run_id == "scheduled__2026-11-25"


def test_a_new_snapshot_a_changed_rule_or_another_key_changes_the_fingerprint(settings: Settings) -> None:
    first = inputs_fingerprint(settings, KEY)
    assert inputs_fingerprint(settings, b"j" * 32) != first

    model = settings.project_dir / "dbt_project" / "models" / "marts" / "study" / "study_summary.sql"
    original = model.read_text(encoding="utf-8")
    model.write_text(original + "\n", encoding="utf-8")
    assert inputs_fingerprint(settings, KEY) != first
    model.write_text(original, encoding="utf-8")
    assert inputs_fingerprint(settings, KEY) == first

    # dbt's own output under target/ is not a rule
    target = settings.project_dir / "dbt_project" / "target"
    target.mkdir(exist_ok=True)
    (target / "run_results.json").write_text("{}", encoding="utf-8")
    assert inputs_fingerprint(settings, KEY) == first

    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("insert into raw.snapshot_manifest values ('hospital', '2016-06-01', 'hospital_patients', 'bb')")
    assert inputs_fingerprint(settings, KEY) != first


def test_a_rollback_a_missing_file_or_a_rebuild_request_rebuilds(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    fingerprint = inputs_fingerprint(settings, KEY)
    record_published_inputs(settings, "run-1", fingerprint)
    assert unchanged_since_publish(settings, fingerprint, rebuild=True) is None
    monkeypatch.setenv(ENV_REBUILD, "1")
    assert unchanged_since_publish(settings, fingerprint) is None
    monkeypatch.delenv(ENV_REBUILD)
    assert unchanged_since_publish(settings, fingerprint) is not None

    forget_published_inputs(settings)
    assert unchanged_since_publish(settings, fingerprint) is None
    record_published_inputs(settings, "run-1", fingerprint)
    settings.published_db.unlink()
    assert unchanged_since_publish(settings, fingerprint) is None
