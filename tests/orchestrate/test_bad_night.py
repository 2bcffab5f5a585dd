"""A night of bad deliveries, played on one home, one delivery after another, as a new user met them.

Each test is one delivery (or one thing a person does with the warehouse) on the same home and landing,
in the order of this file: impossible values, a truncated extract refused then accepted, a
comma-separated file and its redelivery while a second refresh is started on the same home, a file
missing a column, a full disk, an unwritable home, then what analysts and stewards do with the result
(the sandboxed `sql`, spreadsheet-safe CSVs, reports that open offline, the small commands). After each
it checks the exit code, the message, the quarantine rows, and that the published file is byte-identical
where nothing may be published.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from helpers import (
    CLI,
    PROJECT_DIR,
    PUBLISHED_MARTS,
    SECOND_SPELLING_TREATMENT,
    Tables,
    add_row,
    child_env,
    published,
    refresh_command,
    rewrite_csv,
    run_id_of,
    set_value,
    unwritable,
)
from pv_warehouse.core import home_lock
from pv_warehouse.core.offline_html import scan_reports
from pv_warehouse.core.run_records import run_dir
from pv_warehouse.core.settings import Settings

# the demo's newest extracts, and the nights that follow them
DEMO = "hospital/2016-05-15"
IMPOSSIBLE = "hospital/2016-05-16"
TRUNCATED = "hospital/2016-05-17"
COMMAS = "hospital/2016-05-18"
NO_COLUMN = "hospital/2016-05-19"
DISK_FULL = "hospital/2016-05-20"
FORMULA_KEY = "=1+2"


@dataclass
class Night:
    """The home and landing every test of this module works on, and what earlier deliveries left."""

    landing: Path
    home: Path
    run_ids: dict[str, str] = field(default_factory=dict)

    @property
    def published_db(self) -> Path:
        return self.home / "analytics.duckdb"

    def digest(self) -> str:
        return hashlib.sha256(self.published_db.read_bytes()).hexdigest()

    def deliver(self, snapshot: str, like: str) -> Path:
        """A new snapshot folder holding the files of an earlier one."""
        shutil.copytree(self.landing / like, self.landing / snapshot)
        return self.landing / snapshot

    def refresh(self, *options: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*refresh_command(self.landing, self.home), *options],
            cwd=PROJECT_DIR,
            env=child_env(env),
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )

    def cli(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(CLI), *arguments], cwd=PROJECT_DIR, env=child_env(), capture_output=True, text=True, timeout=300
        )

    def build(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.home / "build" / "warehouse.duckdb"), read_only=True) as con:
            return con.execute(sql).fetchall()

    def quarantined(self, snapshot: str) -> dict[str, str]:
        """Record key -> reason of this run's quarantined rows from a snapshot's files."""
        return dict(
            self.build(
                "select record_key, quarantine_reason from steward.steward_quarantined_rows "
                f"where starts_with(source_file, '{snapshot}/')"
            )
        )

    def report_tables(self) -> dict[str, list[list[str]]]:
        return Tables((self.home / "reports" / "steward.html").read_text(encoding="utf-8")).tables


def assert_refused(run: subprocess.CompletedProcess[str], night: Night, digest: str, *sentences: str) -> None:
    """A refused night: exit 1, the sentences said, no traceback, and analysts keep the same bytes."""
    assert run.returncode == 1, run.stdout[-2000:] + run.stderr[-3000:]
    assert "failed; nothing was published." in run.stderr
    for sentence in sentences:
        assert sentence in run.stderr, run.stderr[-3000:]
    assert "Traceback" not in run.stdout + run.stderr
    assert night.digest() == digest


@pytest.fixture(scope="module")
def night(demo_run, tmp_path_factory: pytest.TempPathFactory) -> Night:
    """A copy of the demo home (published from the demo extracts) and of its landing."""
    demo_landing, demo_home, first = demo_run
    assert first.returncode == 0, first.stderr[-3000:]
    root = tmp_path_factory.mktemp("bad-night")
    shutil.copytree(demo_home, root / "home")
    shutil.copytree(demo_landing, root / "landing")
    for later in (root / "landing" / "hospital").iterdir():  # other tests may have left newer snapshots
        if later.name > DEMO.split("/")[1]:
            shutil.rmtree(later)
    return Night(root / "landing", root / "home")


def test_impossible_values_are_quarantined_and_a_2099_end_is_ongoing(night: Night) -> None:
    folder = night.deliver(IMPOSSIBLE, like=DEMO)
    before = night.digest()
    for change in (
        set_value("treatment_id", "40000001", "dose_mg", "-100"),
        # hospital software's "no planned end"
        set_value("treatment_id", "40000017", "end_date", "31/12/2099"),
        # the same patient written two ways: one patient everywhere
        add_row(SECOND_SPELLING_TREATMENT),
    ):
        rewrite_csv(folder / "treatments.csv", change)
    rewrite_csv(
        folder / "patients.csv",
        add_row({"patient_id": "ab123456", "last_name": "Martin", "first_name": "Paul", "birth_date": "01/01/1970"}),
    )
    # a reaction 83 years after the extraction, and a formula typed into the key of an event with no onset
    rewrite_csv(folder / "adverse_events.csv", set_value("event_id", "70000001", "onset_date", "16/05/2099"))
    rewrite_csv(folder / "adverse_events.csv", add_row({"event_id": FORMULA_KEY, "patient_id": "10009999"}))

    run = night.refresh()
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    night.run_ids["impossible"] = run_id_of(run)
    assert night.digest() != before
    quarantined = night.quarantined(IMPOSSIBLE)
    assert quarantined["40000001"] == "implausible dose_mg: -100 is not above 0"
    assert quarantined["70000001"] == "implausible onset_date: 2099-05-16 after the extraction date 2016-05-16"
    assert quarantined[FORMULA_KEY].startswith("missing onset_date")
    assert "40000017" not in quarantined and "40000099" not in quarantined
    # rows read = rows accepted + rows quarantined, file by file
    assert night.build(
        "select count(*), bool_and(is_balanced) from quarantine.load_reconciliation "
        f"where starts_with(source_file, '{IMPOSSIBLE}/')"
    ) == [(3, True)]
    # nothing impossible reached the analysts
    assert published(night.home, "select min(dose_mg) > 0, max(end_date) from marts.fct_treatment_courses") == [
        (True, dt.date(2016, 5, 16))
    ]
    assert published(
        night.home,
        "select count(*) from marts.fct_cutaneous_reactions where onset_date > date '2016-05-16'",
    ) == [(0,)]
    # the 2099 end: ongoing, ends at the extraction, listed for the steward
    assert night.build(
        "select treatment_id, written_end_date, extraction_date from steward.steward_ends_after_extraction"
    ) == [("40000017", dt.date(2099, 12, 31), dt.date(2016, 5, 16))]
    assert published(
        night.home,
        "select duration_days, is_ongoing from marts.fct_treatment_courses "
        "where start_date = date '2012-05-14' and end_date = date '2016-05-16'",
    ) == [(1464, True)]
    listed = night.report_tables()["ends-after-extraction"][1]
    assert listed[2:] == ["40000017", "10000071", "L04AC03", "2099-12-31", "2016-05-16"]
    # `ab123456` and `AB123456 `: one patient, whose treatment is accepted
    assert night.build(
        "select count(*) from intermediate.int_hospital_patients_checked where patient_id = 'AB123456'"
    ) == [(1,)]


def test_a_truncated_extract_is_refused_then_accepted_and_loaded(night: Night) -> None:
    folder = night.deliver(TRUNCATED, like=IMPOSSIBLE)
    # cut at a line end to a quarter of its rows
    lines = (folder / "treatments.csv").read_bytes().split(b"\r\n")
    (folder / "treatments.csv").write_bytes(b"\r\n".join(lines[: 1 + (len(lines) - 2) // 4]) + b"\r\n")
    before = night.digest()

    refused = night.refresh()
    assert_refused(
        refused,
        night,
        before,
        f"{TRUNCATED}/treatments.csv holds 9 data rows, 37 in the previous snapshot {IMPOSSIBLE} (a fall of 75.7%, "
        f"more than max_row_drop_pct 20): the snapshot is refused. If the fall is real, accept it: "
        f'pv-warehouse accept-snapshot {TRUNCATED} --reason "..." --home {night.home}',
    )

    accepted = night.cli(
        "accept-snapshot", TRUNCATED, "--reason", "Courses before 2012 archived", "--by", "steward", "--home",
        str(night.home),
    )  # fmt: skip
    assert accepted.returncode == 0, accepted.stderr
    assert f"{TRUNCATED}/treatments.csv: 9 data rows, 37 in {IMPOSSIBLE}: accepted." in accepted.stdout

    loaded = night.refresh()
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert night.digest() != before
    assert night.build(f"select rows_read from raw.load_audit where source_file = '{TRUNCATED}/treatments.csv'") == [
        (9,)
    ]
    tables = night.report_tables()
    counts = {row[0]: row[1:] for row in tables["row-counts"][1:]}
    assert counts[f"{TRUNCATED}/treatments.csv"][:4] == ["9", IMPOSSIBLE, "37", "-75.7"]
    assert "accepted by steward" in counts[f"{TRUNCATED}/treatments.csv"][4]
    assert "Courses before 2012 archived" in counts[f"{TRUNCATED}/treatments.csv"][4]
    assert tables["acceptances"][1][:2] == [TRUNCATED, f"{TRUNCATED}/treatments.csv"]


def test_a_comma_separated_file_is_told_so_and_its_redelivery_runs_alone(night: Night) -> None:
    folder = night.deliver(COMMAS, like=TRUNCATED)
    good = (folder / "patients.csv").read_bytes()
    (folder / "patients.csv").write_bytes(good.replace(b";", b","))
    before = night.digest()
    assert_refused(
        night.refresh(),
        night,
        before,
        f"load_raw: landing refused, nothing published: {COMMAS}/patients.csv is separated by ',': the contract's "
        "separator is ';' (export the file again with ';')",
    )

    # the source exports it again; a cron refresh and a manual one start on the home together
    (folder / "patients.csv").write_bytes(good)
    first = subprocess.Popen(
        refresh_command(night.landing, night.home),
        cwd=PROJECT_DIR,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while (holder := home_lock.read_holder(night.home, attempts=1)) is None or holder.pid != first.pid:
        assert first.poll() is None and time.monotonic() < deadline, "the first refresh never took the lock"
        time.sleep(0.2)
    began = time.monotonic()
    second = night.refresh()
    assert time.monotonic() - began < 30  # at once, not after a DuckDB lock error
    assert second.returncode == 75
    assert f"another refresh is running on this home (pid {first.pid}, started " in second.stderr
    assert "run with --wait" in second.stderr
    assert "Traceback" not in second.stdout + second.stderr
    _, stderr = first.communicate(timeout=900)
    assert first.returncode == 0, stderr[-3000:]
    assert night.digest() != before
    # files delivered again unchanged are shown under the new snapshot, with the file their bytes first came in
    files = [row[0] for row in night.report_tables()["reconciliation"][1:]]
    assert f"{COMMAS}/patients.csv (same bytes as {IMPOSSIBLE}/patients.csv)" in files
    assert f"{COMMAS}/treatments.csv (same bytes as {TRUNCATED}/treatments.csv)" in files
    assert published(night.home, "select count(*) from information_schema.tables where table_schema = 'marts'") == [
        (len(PUBLISHED_MARTS),)
    ]


def test_a_file_missing_a_column_is_refused_naming_file_and_column(night: Night) -> None:
    folder = night.deliver(NO_COLUMN, like=COMMAS)
    # a software upgrade renamed a column in the header
    header, rest = (folder / "adverse_events.csv").read_bytes().split(b"\r\n", 1)
    assert b";severity;" in header
    (folder / "adverse_events.csv").write_bytes(header.replace(b";severity;", b";gravite;") + b"\r\n" + rest)
    before = night.digest()
    assert_refused(
        night.refresh(),
        night,
        before,
        f"{NO_COLUMN}/adverse_events.csv: required column 'severity' missing from the header.",
        "What to do: correct the delivery as said above",
    )
    shutil.rmtree(folder)  # the source delivers nothing more that night


def test_a_full_disk_is_said_so_and_publishes_nothing(night: Night) -> None:
    folder = night.deliver(DISK_FULL, like=COMMAS)
    # a file with new bytes, so that the load reaches the place the disk fills up
    rewrite_csv(folder / "patients.csv", add_row({"patient_id": "10009998", "birth_date": "01/01/1980", "sex": "F"}))
    before = night.digest()
    assert_refused(
        night.refresh(env={"PV_WAREHOUSE_DISK_FULL_AT": "load:file-loaded"}),
        night,
        before,
        f"load_raw: the disk holding {night.home} is full: free space on it and run again",
    )
    shutil.rmtree(folder)


def test_an_unwritable_home_is_said_so(night: Night) -> None:
    before = night.digest()
    undo = unwritable(night.home)
    try:
        run = night.refresh()
    finally:
        undo()
    assert run.returncode == 1
    assert f"the home folder {night.home}" in run.stderr and "is not writable by user" in run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert night.digest() == before


def test_sql_is_a_sandbox_on_the_night_s_warehouse(night: Night) -> None:
    target = night.home / "leak.csv"
    copy = night.cli("sql", f"copy marts.dim_patients to '{target}'", "--home", str(night.home))
    assert copy.returncode == 1
    assert "COPY reads or writes files: `sql` only reads the marts." in copy.stderr
    assert not target.exists()
    key_file = night.home / "secrets" / "pseudonym.key"
    key = key_file.read_text(encoding="utf-8").strip()
    read = night.cli("sql", f"select content from read_text('{key_file}')", "--home", str(night.home))
    assert read.returncode == 1
    assert "Reading files (read_csv, read_text, read_parquet, glob and the like) is switched off" in read.stderr
    assert key not in read.stdout + read.stderr
    as_csv = night.cli("sql", "select '=1+2' as typed, -3 as number", "--home", str(night.home), "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    assert as_csv.stdout == "typed,number\n'=1+2,-3\n"


def test_the_quarantine_csv_holds_the_formula_as_text(night: Night) -> None:
    kept = run_dir(Settings(night.home, night.home), night.run_ids["impossible"]).name
    path = night.home / "reports" / "runs" / kept / "quarantined_rows.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        keys = [row["record_key"] for row in csv.DictReader(handle)]
    assert f"'{FORMULA_KEY}" in keys
    assert FORMULA_KEY not in keys
    # the warehouse keeps the value as received
    assert FORMULA_KEY in {key for (key,) in night.build("select record_key from steward.steward_quarantined_rows")}


def test_every_report_opens_offline(night: Night) -> None:
    assert [reference.describe() for reference in scan_reports(night.home / "reports")] == []


def test_the_small_commands_say_what_they_find(night: Night) -> None:
    versions = night.cli("rollback", "--list", "--home", str(night.home))
    assert versions.returncode == 0 and versions.stdout.strip()
    key = night.cli("check-key", "--home", str(night.home))
    assert key.returncode == 0, key.stderr
    assert f"the local demo key {night.home / 'secrets' / 'pseudonym.key'}" in key.stdout
    out = night.home.parent / "shared" / "summary.csv"
    summary = night.cli("export-summary", "--min-cell", "5", "--out", str(out), "--home", str(night.home))
    assert summary.returncode == 0, summary.stderr
    assert out.read_text(encoding="utf-8").startswith("metric,numerator,denominator,value,unit,note\n")
