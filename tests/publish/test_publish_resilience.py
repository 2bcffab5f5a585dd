"""The published file under concurrency and crashes.

Readers query analytics.duckdb in their own processes across two refreshes; refreshes are killed
(SIGKILL, through the pipeline's failpoints) at each stage. Every scenario starts from a copy of the
demo run's home, so the pseudonym key, and with it every patient key, is the same throughout.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from helpers import PROJECT_DIR, PUBLISHED_MARTS, child_env, refresh, refresh_command, rewrite_csv
from reader_process import signature

# readers reconnecting each round, and one holding its connection opened before the refreshes
READER_MODES = ("reconnect", "reconnect", "hold")
DROPPED_PATIENT = "10000000"
DROPPED_CASE = "PA20030001"


def add_hospital_snapshot(landing: Path) -> None:
    """hospital/2016-06-01: the newest snapshot again, without one included patient and their rows."""
    newer = landing / "hospital" / "2016-06-01"
    shutil.copytree(landing / "hospital" / "2016-05-15", newer)
    for name in ("patients.csv", "treatments.csv", "adverse_events.csv"):
        rewrite_csv(newer / name, lambda rows: [row for row in rows if row["patient_id"] != DROPPED_PATIENT])


def add_pv_export(landing: Path) -> None:
    """pharmacovigilance/2016-06-02: the newest export again, without one case."""
    newer = landing / "pharmacovigilance" / "2016-06-02"
    shutil.copytree(landing / "pharmacovigilance" / "2016-05-10", newer)
    rewrite_csv(newer / "pv_cases.csv", lambda rows: [row for row in rows if row["case_id"] != DROPPED_CASE])


# columns that change with every run whatever the data: when the MGPS prior was fitted, and in how long
RUN_CLOCK = {"faers_signal_priors": "exclude (fit_seconds, fitted_at)"}


def marts_rows(database: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(database), read_only=True) as con:
        return {
            table: con.execute(f"select * {RUN_CLOCK.get(table, '')} from marts.{table} order by all").fetchall()
            for table in PUBLISHED_MARTS
        }


def parquet_rows(home: Path) -> dict[str, list[tuple]]:
    with duckdb.connect() as con:
        return {
            table: con.execute(
                f"select * {RUN_CLOCK.get(table, '')} from read_parquet(?) order by all",
                [str(home / "parquet" / f"{table}.parquet")],
            ).fetchall()
            for table in PUBLISHED_MARTS
        }


def version_of(database: Path) -> list[int]:
    with duckdb.connect(str(database), read_only=True) as con:
        return signature(con)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, demo_run, demo_landing: Path) -> tuple[Path, Path]:
    """A copy of the demo run's published home, and a landing with one newer hospital snapshot."""
    _, demo_home, run = demo_run
    assert run.returncode == 0, run.stderr[-3000:]
    root = tmp_path_factory.mktemp("resilience")
    home = root / "home"
    shutil.copytree(demo_home, home)
    landing = root / "landing"
    shutil.copytree(demo_landing, landing)
    add_hospital_snapshot(landing)
    return home, landing


def copy_home(base: tuple[Path, Path], target: Path) -> Path:
    shutil.copytree(base[0], target)
    return target


@dataclass
class ReadersRun:
    """Two refreshes of a copy of the base home, the first on the base landing, with readers across both."""

    versions: list[list[int]]
    windows: list[tuple[float, float]]
    entries: list[dict]
    first_marts: dict[str, list[tuple]]


@pytest.fixture(scope="module")
def readers_run(base: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> ReadersRun:
    """Readers query a copy of the base home across two refreshes: the first on the base landing (the
    uninterrupted refresh every other scenario is compared with), the second with a newer national export."""
    root = tmp_path_factory.mktemp("readers")
    home = copy_home(base, root / "home")
    landing = root / "landing"
    shutil.copytree(base[1], landing)
    database = home / "analytics.duckdb"
    versions = [version_of(database)]
    stop = root / "stop"
    logs = [root / f"reader-{number}-{mode}.jsonl" for number, mode in enumerate(READER_MODES)]
    script = PROJECT_DIR / "tests" / "reader_process.py"
    readers = [
        subprocess.Popen([sys.executable, str(script), mode, str(database), str(log), str(stop)])
        for mode, log in zip(READER_MODES, logs, strict=True)
    ]
    windows = []
    first_marts: dict[str, list[tuple]] = {}
    try:
        while not all(log.exists() and log.read_text() for log in logs):
            time.sleep(0.1)
        for change in (None, add_pv_export):
            if change:
                change(landing)
            started = time.time()
            run = refresh(landing, home)
            windows.append((started, time.time()))
            assert run.returncode == 0, run.stderr[-3000:]
            versions.append(version_of(database))
            if change is None:
                first_marts = marts_rows(database)
        time.sleep(1)
    finally:
        stop.touch()
        for reader in readers:
            reader.wait(timeout=60)
    entries = [json.loads(line) for log in logs for line in log.read_text().splitlines()]
    return ReadersRun(versions, windows, entries, first_marts)


@pytest.fixture(scope="module")
def uninterrupted(readers_run: ReadersRun) -> dict[str, list[tuple]]:
    """The marts an uninterrupted refresh publishes from the base home and landing: the readers' first."""
    return readers_run.first_marts


def test_the_newer_snapshot_changes_every_hospital_mart(base, uninterrupted) -> None:
    """The scenarios below tell versions apart: the new snapshot must change what they compare."""
    before = marts_rows(base[0] / "analytics.duckdb")
    changed = {table for table in PUBLISHED_MARTS if before[table] != uninterrupted[table]}
    assert changed == {
        "cohort_flow",
        "dim_patients",
        "fct_cutaneous_reactions",
        "fct_treatment_courses",
        # its hospital row: the dropped patient had a skin reaction
        "skin_reactions_by_source",
        "study_summary",
    }
    assert len(uninterrupted["dim_patients"]) == len(before["dim_patients"]) - 1


def test_readers_see_the_old_or_the_new_version_never_a_mix(readers_run: ReadersRun) -> None:
    versions, entries = readers_run.versions, readers_run.entries
    assert len({tuple(version) for version in versions}) == 3, versions

    assert [entry["error"] for entry in entries if "error" in entry] == []
    assert all(entry["read"] == entry["again"] for entry in entries)
    assert all(entry["read"] in versions for entry in entries)
    # a connection opened before the refreshes keeps reading the version it opened
    assert {tuple(entry["read"]) for entry in entries if entry["mode"] == "hold"} == {tuple(versions[0])}
    # a new connection reads the newest version published when it opened
    seen = {tuple(entry["read"]) for entry in entries if entry["mode"] == "reconnect"}
    assert {tuple(versions[0]), tuple(versions[-1])} <= seen
    for started, ended in readers_run.windows:
        assert sum(started <= entry["at"] <= ended for entry in entries) >= len(READER_MODES), "readers idle"


# where each failpoint kills the refresh, and the task it dies in
FAILPOINTS = {
    "load:file-loaded": "load_raw",
    "task-start:transform": "transform",
    "dbt-model:int_cutaneous_reactions_characterised": "transform",
    "validate:suite-checked": "validate",
    "publish:staged": "publish",
    "publish:swapped": "publish",
}


def home_without_runs(base: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path, str, dict[str, list[tuple]]]:
    """A copy of the base home with no run records; its published file, that file's digest and marts."""
    home = copy_home(base, tmp_path / "home")
    shutil.rmtree(home / "runs")
    published = home / "analytics.duckdb"
    return home, published, digest(published), marts_rows(published)


def running_at_death(home: Path) -> list[str]:
    """Tasks of the killed run that started and never ended."""
    (events,) = (home / "runs").glob("*/tasks.jsonl")
    state: dict[str, str] = {}
    for line in events.read_text().splitlines():
        event = json.loads(line)
        state[event["task_id"]] = event["state"]
    return [task for task, last in state.items() if last == "running"]


@pytest.mark.parametrize("failpoint", list(FAILPOINTS))
def test_a_refresh_killed_midway_leaves_the_published_file_and_the_next_refresh_recovers(
    failpoint: str, base, uninterrupted, tmp_path: Path
) -> None:
    home, published, before, old_rows = home_without_runs(base, tmp_path)

    killed = subprocess.run(
        refresh_command(base[1], home),
        cwd=PROJECT_DIR,
        env=child_env({"PV_WAREHOUSE_FAILPOINT": failpoint}),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr[-3000:]
    assert running_at_death(home) == [FAILPOINTS[failpoint]]

    if failpoint == "publish:swapped":
        # killed just after the rename: analysts already read the complete new version
        assert marts_rows(published) == uninterrupted
    else:
        assert digest(published) == before
        assert marts_rows(published) == old_rows

    again = refresh(base[1], home)
    assert again.returncode == 0, again.stderr[-3000:]
    assert marts_rows(published) == uninterrupted
    assert parquet_rows(home) == uninterrupted


def _running_tasks(home: Path) -> list[str]:
    return running_at_death(home) if list((home / "runs").glob("*/tasks.jsonl")) else []


@pytest.mark.parametrize(("stop", "task"), [(signal.SIGTERM, "transform"), (signal.SIGINT, "validate")])
def test_a_refresh_stops_at_once_on_sigterm_or_ctrl_c_and_the_next_one_recovers(
    stop: signal.Signals, task: str, base, uninterrupted, tmp_path: Path
) -> None:
    home, published, before, old_rows = home_without_runs(base, tmp_path)

    refreshing = subprocess.Popen(
        refresh_command(base[1], home),
        cwd=PROJECT_DIR,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 600
    while _running_tasks(home) != [task]:
        assert refreshing.poll() is None, "the refresh ended before the task to stop it in"
        assert time.monotonic() < deadline, f"{task} never started"
        time.sleep(0.05)
    refreshing.send_signal(stop)
    # left alone, Airflow's task runner lets the run go on to publish and exit 0
    _, stderr = refreshing.communicate(timeout=600)
    assert refreshing.returncode == 128 + stop
    assert f"Refresh stopped by {stop.name} during {task}." in stderr
    assert "run `pv-warehouse refresh` again" in stderr
    assert running_at_death(home) == [task]
    assert digest(published) == before
    assert marts_rows(published) == old_rows

    again = refresh(base[1], home)
    assert again.returncode == 0, again.stderr[-3000:]
    assert marts_rows(published) == uninterrupted
