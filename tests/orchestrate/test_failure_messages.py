"""Failures a person can read: each case runs `pv-warehouse refresh` and checks the block it prints (what,
where, what to do, where the log is) and that no traceback reaches the terminal, which the log keeps."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import PROJECT_DIR, child_env, new_home, refresh_command, unwritable

PATIENTS = "hospital/2016-05-15/patients.csv"


def run_refresh(
    landing: Path, home: Path, *options: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*refresh_command(landing, home), *options],
        cwd=PROJECT_DIR,
        env=child_env(env),
        capture_output=True,
        text=True,
        timeout=900,
    )


def landing_with(tmp_path: Path, demo_landing: Path, change: Callable[[Path], None]) -> Path:
    landing = tmp_path / "landing"
    shutil.copytree(demo_landing, landing)
    change(landing / PATIENTS)
    return landing


def without_nir(path: Path) -> None:
    lines = path.read_bytes().split(b"\r\n")
    path.write_bytes(b"\r\n".join(b";".join(line.split(b";")[:-1]) if line else line for line in lines))


def comma_separated(path: Path) -> None:
    path.write_bytes(path.read_bytes().replace(b";", b","))


def undecodable(path: Path) -> None:
    path.write_bytes(path.read_bytes() + b"10009999;\x81\x8d;Claire;01/01/1970;F;\r\n")


def empty(path: Path) -> None:
    path.write_bytes(b"")


def assert_failure_block(run: subprocess.CompletedProcess[str], home: Path, *sentences: str) -> None:
    """The run failed, said every sentence, pointed at its log, and kept its traceback there, not on screen."""
    assert run.returncode == 1, run.stderr[-3000:]
    for sentence in sentences:
        assert sentence in run.stderr, run.stderr[-3000:]
    assert "What to do: " in run.stderr
    logs = list((home / "airflow" / "logs" / "refresh").glob("*.log"))
    assert len(logs) == 1
    assert f"Log: {logs[0]}" in run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert "Traceback" in logs[0].read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        pytest.param(
            without_nir,
            f"load_raw: landing refused, nothing published: {PATIENTS}: required column 'nir' missing from the "
            "header. The file has: patient_id, last_name, first_name, birth_date, sex.",
            id="missing-column",
        ),
        pytest.param(
            comma_separated,
            f"load_raw: landing refused, nothing published: {PATIENTS} is separated by ',': the contract's "
            "separator is ';' (export the file again with ';')",
            id="comma-separated",
        ),
        pytest.param(
            undecodable,
            f"{PATIENTS}: the file decodes in neither UTF-8 nor Windows-1252 (UTF-8 fails at line 29, byte",
            id="undecodable",
        ),
        pytest.param(empty, f"{PATIENTS}: the file is empty (0 bytes). Export it again.", id="empty"),
    ],
)
def test_a_refused_file_is_named_with_what_to_do(
    tmp_path: Path, demo_landing: Path, migrated_airflow_db: Path, change: Callable[[Path], None], sentence: str
) -> None:
    home = new_home(tmp_path / "home", migrated_airflow_db)
    run = run_refresh(landing_with(tmp_path, demo_landing, change), home)
    assert_failure_block(
        run,
        home,
        "failed; nothing was published.",
        sentence,
        "What to do: correct the delivery as said above",
    )


def test_verbose_shows_the_traceback(tmp_path: Path, demo_landing: Path, migrated_airflow_db: Path) -> None:
    home = new_home(tmp_path / "home", migrated_airflow_db)
    run = run_refresh(landing_with(tmp_path, demo_landing, empty), home, "--verbose")
    assert run.returncode == 1
    assert "Traceback" in run.stdout + run.stderr
    assert f"{PATIENTS}: the file is empty (0 bytes)" in run.stderr
    assert "Log: printed above (--verbose)" in run.stderr


def test_a_full_disk_is_said_so(tmp_path: Path, demo_landing: Path, migrated_airflow_db: Path) -> None:
    home = new_home(tmp_path / "home", migrated_airflow_db)
    run = run_refresh(
        landing_with(tmp_path, demo_landing, lambda _: None),
        home,
        env={"PV_WAREHOUSE_DISK_FULL_AT": "load:file-loaded"},
    )
    assert_failure_block(run, home, f"load_raw: the disk holding {home} is full: free space on it and run again")


def test_a_home_under_a_file_is_said_so(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    run = run_refresh(tmp_path / "landing", tmp_path / "file" / "home")
    assert run.returncode == 1
    assert (
        f"Error: {tmp_path / 'file' / 'home'} cannot be a home folder: {tmp_path / 'file'} is a file, not a folder."
        in run.stderr
    )
    assert "What to do: choose another home folder with --home, or move the file away" in run.stderr
    assert "Log:        none was written" in run.stderr
    assert "Traceback" not in run.stdout + run.stderr


def test_an_unwritable_home_is_said_so(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    undo = unwritable(home)
    try:
        run = run_refresh(tmp_path / "landing", home)
    finally:
        undo()
    user = subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()
    assert run.returncode == 1
    assert f"Error: the home folder {home} is not writable by user {user}" in run.stderr
    assert f"What to do: give {user} write access to it (chown or chmod), or choose another home folder" in run.stderr
    assert "Traceback" not in run.stdout + run.stderr


def test_an_unwritable_airflow_folder_after_a_first_run_is_said_so(tmp_path: Path, demo_landing: Path) -> None:
    """The night's SQLite metadata database cannot be written: one sentence, not SQLAlchemy's traceback."""
    home = tmp_path / "home"
    (home / "airflow" / "logs" / "refresh").mkdir(parents=True)  # the log can be written, the database not
    undo = unwritable(home / "airflow")
    try:
        run = run_refresh(landing_with(tmp_path, demo_landing, lambda _: None), home)
    finally:
        undo()
    assert run.returncode == 1
    assert f"Error: the home folder {home}, or a folder or file in it, is not writable by user" in run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert "sqlalchemy" not in (run.stdout + run.stderr).lower()
    assert "unable to open database file" in next((home / "airflow" / "logs" / "refresh").glob("*.log")).read_text()
