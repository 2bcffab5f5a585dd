"""One refresh at a time per home: the lock file, its holder, a killed holder, two refreshes started together,
`--wait`, and a scheduled task waiting for a refresh started by hand."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import PROJECT_DIR, PUBLISHED_MARTS, child_env, new_home, published, refresh_command
from pv_warehouse.core import home_lock
from pv_warehouse.orchestrate import tasks as pipeline

LOCKED = "another refresh is running on this home"
HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from pv_warehouse.core import home_lock

    with home_lock.holding(Path(sys.argv[1]), "refresh"):
        print("held", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def hold(home: Path, seconds: float) -> subprocess.Popen[str]:
    """A child process holding the home's lock for `seconds`, started once it holds it."""
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(home), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline() == "held\n"
    return child


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    child = hold(tmp_path / "home", 600)
    yield child
    child.kill()
    child.wait()


def started_pattern(pid: int) -> str:
    return rf"{LOCKED} \(pid {pid}, started \d{{4}}-\d\d-\d\d \d\d:\d\d UTC\)"


def test_a_held_home_refuses_a_second_holder_naming_the_first(tmp_path: Path, holder) -> None:
    with pytest.raises(home_lock.HomeLocked) as refused, home_lock.holding(tmp_path / "home", "refresh"):
        pass
    assert re.fullmatch(started_pattern(holder.pid) + ": wait for it, or run with --wait", str(refused.value))


@pytest.mark.refresh
def test_refresh_on_a_held_home_stops_at_once_with_a_block(tmp_path: Path, holder) -> None:
    began = time.monotonic()
    run = subprocess.run(
        [*refresh_command(tmp_path / "landing", tmp_path / "home")],
        cwd=PROJECT_DIR,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert time.monotonic() - began < 30
    assert run.returncode == 75
    assert re.search(started_pattern(holder.pid), run.stderr), run.stderr
    assert f"Where:      {tmp_path / 'home'} (lock file {tmp_path / 'home' / 'refresh.lock'})" in run.stderr
    assert "What to do: wait for it, or run with --wait" in run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    # nothing touched the home: no Airflow database, no key
    assert sorted(path.name for path in (tmp_path / "home").iterdir()) == ["refresh.lock"]


def test_a_killed_holder_leaves_no_lock(tmp_path: Path) -> None:
    child = hold(tmp_path / "home", 600)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert f'"pid": {child.pid}' in (tmp_path / "home" / "refresh.lock").read_text()  # its record stays
    with home_lock.holding(tmp_path / "home", "refresh"):
        assert home_lock.read_holder(tmp_path / "home").pid == os.getpid()
    assert (tmp_path / "home" / "refresh.lock").read_text() == ""


def test_the_lock_is_reentrant_in_the_process_holding_it(tmp_path: Path) -> None:
    """The tasks `refresh` runs in its own process take the lock the command already holds."""
    home = tmp_path / "home"
    with home_lock.holding(home, "refresh"), home_lock.holding(home, "task load_raw of run r"):
        assert home_lock.read_holder(home).what == "refresh"
    child = hold(home, 0)  # released: another process takes it at once
    assert child.wait(timeout=60) == 0


def test_a_task_waits_for_a_refresh_then_gives_up_with_a_sentence(
    tmp_path: Path, holder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PV_WAREHOUSE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv(home_lock.ENV_LOCK_TIMEOUT, "1")
    began = time.monotonic()
    with pytest.raises(home_lock.HomeLocked) as gave_up, pipeline.home_task("transform", "scheduled__x"):
        pass
    assert time.monotonic() - began >= 1
    assert str(gave_up.value).startswith(f"{LOCKED} (pid {holder.pid}, started ")
    assert "and still held it after 1 s of waiting (PV_WAREHOUSE_LOCK_TIMEOUT); this task gave up" in str(gave_up.value)


def test_a_task_waiting_for_a_refresh_runs_once_it_ends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PV_WAREHOUSE_HOME", str(tmp_path / "home"))
    child = hold(tmp_path / "home", 2)
    began = time.monotonic()
    with pipeline.home_task("publish", "scheduled__x"):
        assert time.monotonic() - began >= 1.5  # it ran after the holder let go
        assert home_lock.read_holder(tmp_path / "home").what == "task publish of run scheduled__x"
    assert child.wait(timeout=60) == 0


@pytest.fixture(scope="module")
def together(demo_run, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list, int]:
    """Two refreshes started together on a copy of the published demo home whose lock a killed process held
    last. Nothing is new in its landing, so the one that runs is a short one, and still publishes the file
    again; the inode of the file it replaces comes third."""
    demo_landing, demo_home, first = demo_run
    assert first.returncode == 0, first.stderr[-3000:]
    root = tmp_path_factory.mktemp("together")
    landing, home = root / "landing", root / "home"
    shutil.copytree(demo_landing, landing)
    shutil.copytree(demo_home, home)
    replaced = (home / "analytics.duckdb").stat().st_ino
    killed = hold(home, 600)
    killed.kill()
    killed.wait()
    runs = [
        subprocess.Popen(
            refresh_command(landing, home),
            cwd=PROJECT_DIR,
            env=child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    began = time.monotonic()
    ended: dict[int, float] = {}
    while len(ended) < len(runs) and time.monotonic() - began < 900:
        ended.update(
            {n: time.monotonic() - began for n, run in enumerate(runs) if n not in ended and run.poll() is not None}
        )
        time.sleep(0.2)
    outcomes = []
    for n, run in enumerate(runs):
        out, err = run.communicate(timeout=60)
        outcomes.append((run.returncode, out, err, ended[n]))
    return home, outcomes, replaced


def test_of_two_refreshes_started_together_exactly_one_runs(together) -> None:
    _, outcomes, _ = together
    codes = sorted(code for code, *_ in outcomes)
    assert codes == [0, 75], [err[-2000:] for _, _, err, _ in outcomes]
    _, out, err, seconds = next(outcome for outcome in outcomes if outcome[0] == 75)
    assert LOCKED in err and "started " in err
    assert "Traceback" not in out + err
    assert seconds < 30  # the refused one did not wait for the other


def test_the_file_published_by_the_one_that_ran_holds_the_marts(together) -> None:
    home, _, replaced = together
    # the one that ran published the file (every successful refresh replaces it, nothing new or not)
    assert (home / "analytics.duckdb").stat().st_ino != replaced
    tables = published(home, "select table_name from information_schema.tables where table_schema = 'marts'")
    assert sorted(name for (name,) in tables) == sorted(PUBLISHED_MARTS)
    assert published(home, "select count(*) from marts.dim_patients")[0][0] > 0
    assert (home / "refresh.lock").read_text() == ""


@pytest.mark.refresh
def test_wait_starts_the_refresh_once_the_holder_ends(tmp_path: Path, demo_landing: Path, migrated_airflow_db) -> None:
    """--wait on a held home waits, then runs (here on a landing refused at once, to keep the test short)."""
    landing, home = tmp_path / "landing", new_home(tmp_path / "home", migrated_airflow_db)
    shutil.copytree(demo_landing, landing)
    (landing / "hospital" / "2016-05-15" / "patients.csv").write_bytes(b"")
    child = hold(home, 4)
    began = time.monotonic()
    run = subprocess.run(
        [*refresh_command(landing, home), "--wait"],
        cwd=PROJECT_DIR,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert child.wait(timeout=60) == 0
    assert time.monotonic() - began >= 3
    assert f"Another refresh is running on this home (pid {child.pid}, started " in run.stderr
    assert "waiting for it to finish" in run.stderr
    assert run.returncode == 1
    assert "hospital/2016-05-15/patients.csv: the file is empty (0 bytes)" in run.stderr
