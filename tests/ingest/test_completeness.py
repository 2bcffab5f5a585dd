"""Completeness: a hospital or national file whose data rows fall by more than max_row_drop_pct against the
previous snapshot of its source refuses the snapshot, until an operator accepts it with a reason.

The load-level tests build small landings; the end-to-end test refreshes a copy of the demo home with a
newer hospital snapshot whose treatments.csv holds a quarter of its rows.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from html import unescape
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from helpers import (
    CLI,
    PROJECT_DIR,
    TREATMENTS,
    Tables,
    child_env,
    refresh,
    rewrite_csv,
    run_id_of,
    write_hospital,
    write_pv,
)
from pv_warehouse.cli import main
from pv_warehouse.core.run_records import acceptances_file, read_acceptances, read_completeness, run_dir
from pv_warehouse.core.settings import Settings
from pv_warehouse.ingest.contract import LandingError
from pv_warehouse.ingest.load import AcceptanceRefused, accept_snapshot, load_landing
from pv_warehouse.serve.steward_report import collect, render

OLD = "hospital/2016-05-15"
NEW = "hospital/2016-06-15"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(landing_dir=tmp_path / "landing", home_dir=tmp_path / "home")


def write_treatments(folder: Path, rows: int) -> None:
    """A hospital snapshot whose treatments.csv holds `rows` data rows."""
    write_hospital(folder)
    lines = "".join(
        f"{5001 + n};1001;KINERET 100 mg/0,67 ml;L04AC03;02/03/2009;;100;24;SC;Polyarthrite rhumatoïde;\r\n"
        for n in range(rows)
    )
    (folder / "treatments.csv").write_text(TREATMENTS + lines, encoding="utf-8", newline="")


def raw(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        return con.execute(sql).fetchall()


def raw_state(settings: Settings) -> list[tuple]:
    return raw(
        settings,
        "select (select count(*) from raw.hospital_treatments), (select count(*) from raw.load_audit), "
        "(select count(*) from raw.snapshot_manifest), "
        "(select max(snapshot_date)::varchar from raw.snapshot_manifest where source = 'hospital')",
    )


def verdicts(settings: Settings, run_id: str) -> dict[str, tuple]:
    record = read_completeness(settings, run_id)
    assert record is not None
    return {f["source_file"]: (f["rows"], f["previous_rows"], f["verdict"]) for f in record["files"]}


def test_a_file_falling_by_more_than_the_limit_refuses_its_snapshot_and_leaves_raw(settings: Settings) -> None:
    write_treatments(settings.landing_dir / OLD, 160)
    load_landing(settings, "run-1")
    before = raw_state(settings)
    write_treatments(settings.landing_dir / NEW, 40)

    with pytest.raises(LandingError) as refusal:
        load_landing(settings, "run-2")

    assert str(refusal.value) == (
        f"{NEW}/treatments.csv holds 40 data rows, 160 in the previous snapshot {OLD} (a fall of 75%, more "
        f"than max_row_drop_pct 20): the snapshot is refused. If the fall is real, accept "
        f'it: pv-warehouse accept-snapshot {NEW} --reason "..." --home {settings.home_dir} and run again; '
        "otherwise deliver a complete extract in its place."
    )
    assert raw_state(settings) == before == [(160, 3, 3, "2016-05-15")]
    # the counts are kept for the steward report and for accept-snapshot, the other files passing
    assert verdicts(settings, "run-2") == {
        f"{NEW}/adverse_events.csv": (1, 1, "within the limit"),
        f"{NEW}/patients.csv": (2, 2, "within the limit"),
        f"{NEW}/treatments.csv": (40, 160, "refused"),
    }


def test_the_previous_snapshot_may_be_loaded_in_the_same_run(settings: Settings) -> None:
    write_treatments(settings.landing_dir / OLD, 8)
    write_treatments(settings.landing_dir / NEW, 2)
    with pytest.raises(
        LandingError, match=rf"{NEW}/treatments.csv holds 2 data rows, 8 in the previous snapshot {OLD}"
    ):
        load_landing(settings, "run-1")
    # nothing of either snapshot reached raw
    assert raw(settings, "select count(*) from raw.load_audit") == [(0,)]


def test_a_national_export_falling_too_far_is_refused(settings: Settings) -> None:
    write_pv(settings.landing_dir / "pharmacovigilance" / "2016-03-01")
    old = settings.landing_dir / "pharmacovigilance" / "2016-03-01" / "pv_cases.csv"
    header, row = old.read_text(encoding="utf-8").splitlines()
    old.write_text("\n".join([header, *[row.replace("LY20150123", f"LY2015{n:04}") for n in range(5)]]) + "\n")
    write_pv(settings.landing_dir / "pharmacovigilance" / "2016-05-10")
    with pytest.raises(LandingError) as refusal:
        load_landing(settings, "run-1")
    assert str(refusal.value).startswith(
        "pharmacovigilance/2016-05-10/pv_cases.csv holds 1 data rows, 5 in the previous snapshot "
        "pharmacovigilance/2016-03-01 (a fall of 80%, more than max_row_drop_pct 20)"
    )
    assert "pv-warehouse accept-snapshot pharmacovigilance/2016-05-10 --reason" in str(refusal.value)


@pytest.mark.parametrize(("new_rows", "refused"), [(80, False), (79, True), (100, False), (150, False)])
def test_a_fall_of_exactly_max_row_drop_pct_loads(settings: Settings, new_rows: int, refused: bool) -> None:
    write_treatments(settings.landing_dir / OLD, 100)
    write_treatments(settings.landing_dir / NEW, new_rows)
    if refused:
        with pytest.raises(LandingError, match=r"a fall of 21%, more than max_row_drop_pct 20"):
            load_landing(settings, "run-1")
        return
    report = load_landing(settings, "run-1")
    assert {f.source_file: f.rows_read for f in report.files}[f"{NEW}/treatments.csv"] == new_rows
    assert verdicts(settings, "run-1")[f"{NEW}/treatments.csv"] == (new_rows, 100, "within the limit")


def test_the_first_snapshot_of_a_source_has_nothing_to_compare_with(settings: Settings) -> None:
    write_treatments(settings.landing_dir / OLD, 1)
    load_landing(settings, "run-1")
    assert raw(settings, "select count(*) from raw.hospital_treatments") == [(1,)]
    assert verdicts(settings, "run-1")[f"{OLD}/treatments.csv"] == (1, None, "first snapshot")


def test_an_accepted_snapshot_loads_on_the_next_run_and_only_for_the_bytes_accepted(settings: Settings) -> None:
    write_treatments(settings.landing_dir / OLD, 160)
    load_landing(settings, "run-1")
    write_treatments(settings.landing_dir / NEW, 40)
    with pytest.raises(LandingError):
        load_landing(settings, "run-2")

    outcome = accept_snapshot(settings, NEW, "  Courses before 2010 archived in the software  ", "steward")

    assert not outcome.already_accepted
    recorded = read_acceptances(settings)
    assert len(recorded) == 1
    acceptance = recorded[0]
    assert acceptance["accepted_at"].endswith("+00:00")
    del acceptance["accepted_at"]
    sha256 = hashlib.sha256((settings.landing_dir / NEW / "treatments.csv").read_bytes()).hexdigest()
    assert acceptance == {
        "snapshot": NEW,
        "accepted_by": "steward",
        "reason": "Courses before 2010 archived in the software",
        "refused_by_run": "run-2",
        "max_row_drop_pct": 20.0,
        "files": [
            {
                "source_file": f"{NEW}/treatments.csv",
                "sha256": sha256,
                "rows": 40,
                "previous_snapshot": OLD,
                "previous_rows": 160,
            }
        ],
    }
    assert accept_snapshot(settings, NEW, "again", "someone else").already_accepted
    assert len(read_acceptances(settings)) == 1

    # an acceptance covers the bytes accepted: the file delivered again, with the same fall, is refused again
    treatments = settings.landing_dir / NEW / "treatments.csv"
    accepted_bytes = treatments.read_bytes()
    treatments.write_bytes(accepted_bytes.replace(b"\r\n5040;", b"\r\n5999;"))
    with pytest.raises(LandingError, match=rf"{NEW}/treatments.csv holds 40 data rows, 160"):
        load_landing(settings, "run-3")

    treatments.write_bytes(accepted_bytes)
    report = load_landing(settings, "run-4")
    assert {f.source_file: (f.rows_read, f.status) for f in report.files}[f"{NEW}/treatments.csv"] == (40, "loaded")
    assert verdicts(settings, "run-4")[f"{NEW}/treatments.csv"] == (40, 160, "accepted")
    # patients and events are the same bytes as the older snapshot's: loaded once, in both snapshots
    assert raw_state(settings) == [(200, 4, 6, "2016-06-15")]


def test_accept_snapshot_refuses_what_it_cannot_accept(settings: Settings) -> None:
    write_treatments(settings.landing_dir / OLD, 160)
    load_landing(settings, "run-1")
    write_treatments(settings.landing_dir / NEW, 40)

    def refusal(snapshot: str, reason: str = "archived", **options: Path) -> str:
        with pytest.raises(AcceptanceRefused) as error:
            accept_snapshot(settings, snapshot, reason, "steward", **options)
        return str(error.value)

    assert refusal(NEW) == (
        f"{NEW}: no run under {settings.home_dir} refused this snapshot for a fall in rows, so there is nothing "
        "to accept. Only a snapshot a refresh refused (its message gives the command) can be accepted."
    )
    with pytest.raises(LandingError):
        load_landing(settings, "run-2")
    assert refusal(NEW, "  ") == "--reason is empty: say why the fall in rows is real; it is kept with the acceptance."
    assert refusal("faers/2015q1").startswith("faers/2015q1: name a snapshot as SOURCE/YYYY-MM-DD")
    assert refusal("hospital/latest").startswith("hospital/latest: a snapshot is named by its folder")
    assert refusal(NEW, landing_dir=settings.home_dir) == (
        f"{NEW}: the folder is not in the landing {settings.home_dir}. Point --landing at the landing folder "
        "that holds it."
    )
    rewrite_csv(settings.landing_dir / NEW / "treatments.csv", lambda rows: rows[:30])
    assert refusal(NEW).startswith(f"{NEW}/treatments.csv is not the file run run-2 refused")
    assert not acceptances_file(settings).exists()


def test_the_accept_snapshot_verb_says_why_it_refuses_and_needs_a_reason(settings: Settings) -> None:
    write_treatments(settings.landing_dir / OLD, 160)
    load_landing(settings, "run-1")
    write_treatments(settings.landing_dir / NEW, 40)
    with pytest.raises(LandingError):
        load_landing(settings, "run-2")
    home = ["--home", str(settings.home_dir)]

    missing = CliRunner().invoke(main, ["accept-snapshot", NEW, *home])
    assert missing.exit_code == 2
    assert "Missing option '--reason'" in missing.output
    empty = CliRunner().invoke(main, ["accept-snapshot", NEW, "--reason", "", *home])
    assert (empty.exit_code, empty.exception.__class__) == (1, SystemExit)
    assert "Error: --reason is empty: say why the fall in rows is real" in empty.output
    accepted = CliRunner().invoke(main, ["accept-snapshot", NEW, "--reason", "archived", "--by", "the DIM", *home])
    assert accepted.exit_code == 0, accepted.output
    assert accepted.output.splitlines()[0] == f"{NEW}/treatments.csv: 40 data rows, 160 in {OLD}: accepted."
    assert read_acceptances(settings)[0]["accepted_by"] == "the DIM"
    again = CliRunner().invoke(main, ["accept-snapshot", NEW, "--reason", "archived", *home])
    assert again.output.startswith(f"{NEW} was already accepted by the DIM on ")


def test_the_steward_report_shows_rows_against_the_previous_snapshot_and_acceptances(settings: Settings) -> None:
    write_treatments(settings.landing_dir / OLD, 160)
    load_landing(settings, "run-1")
    write_treatments(settings.landing_dir / NEW, 40)
    with pytest.raises(LandingError):
        load_landing(settings, "run-2")

    refused = Tables(render(collect(settings, "run-2", []), docs_href="", csv_dir="")).tables
    assert refused["row-counts"] == [
        ["file", "rows", "previous snapshot", "previous rows", "change %", "note"],
        [f"{NEW}/adverse_events.csv", "1", OLD, "1", "0", ""],
        [f"{NEW}/patients.csv", "2", OLD, "2", "0", ""],
        [f"{NEW}/treatments.csv", "40", OLD, "160", "-75", "refused: fell by more than max_row_drop_pct"],
    ]
    assert "acceptances" not in refused

    accept_snapshot(settings, NEW, "Courses before 2010 archived", "steward")
    load_landing(settings, "run-3")
    tables = Tables(render(collect(settings, "run-3", []), docs_href="", csv_dir="")).tables
    (acceptance,) = read_acceptances(settings)
    assert tables["row-counts"][1:] == [
        [f"{NEW}/adverse_events.csv", "1", OLD, "1", "0", ""],
        [f"{NEW}/patients.csv", "2", OLD, "2", "0", ""],
        [
            f"{NEW}/treatments.csv",
            "40",
            OLD,
            "160",
            "-75",
            f"accepted by steward on {acceptance['accepted_at']}: Courses before 2010 archived",
        ],
    ]
    assert tables["acceptances"] == [
        ["snapshot", "file", "rows", "previous snapshot", "previous rows", "accepted by", "accepted at", "reason"],
        [
            NEW,
            f"{NEW}/treatments.csv",
            "40",
            OLD,
            "160",
            "steward",
            acceptance["accepted_at"],
            "Courses before 2010 archived",
        ],
    ]


# -- end to end ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bad_night(demo_run, tmp_path_factory: pytest.TempPathFactory):
    """A copy of the demo home, and its landing with hospital/2016-06-15 holding a quarter of the treatments."""
    demo_landing, demo_home, first = demo_run
    assert first.returncode == 0, first.stderr[-3000:]
    root = tmp_path_factory.mktemp("completeness")
    shutil.copytree(demo_home, root / "home")
    landing = root / "landing"
    shutil.copytree(demo_landing, landing)
    shutil.copytree(landing / "hospital" / "2016-05-15", landing / NEW)
    rewrite_csv(landing / NEW / "treatments.csv", lambda rows: rows[: len(rows) // 4])
    published = root / "home" / "analytics.duckdb"
    digest = hashlib.sha256(published.read_bytes()).hexdigest()
    refused = refresh(landing, root / "home")
    after_refusal = hashlib.sha256(published.read_bytes()).hexdigest()
    accepted = subprocess.run(
        [str(CLI), "accept-snapshot", NEW, "--reason", "Treatments before 2012 archived", "--home", str(root / "home")],
        cwd=PROJECT_DIR,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    loaded = refresh(landing, root / "home")
    return root / "home", refused, digest, after_refusal, accepted, loaded


def test_the_bad_night_is_refused_naming_the_file_and_both_counts(bad_night) -> None:
    home, refused, digest, after_refusal, _, _ = bad_night
    assert refused.returncode == 1
    assert "failed; nothing was published" in refused.stderr
    assert (
        f"{NEW}/treatments.csv holds 9 data rows, 36 in the previous snapshot {OLD} (a fall of 75%, more than "
        "max_row_drop_pct 20): the snapshot is refused. If the fall is real, accept it: "
        f'pv-warehouse accept-snapshot {NEW} --reason "..." --home {home}'
    ) in refused.stderr
    assert "Traceback" not in refused.stderr
    assert after_refusal == digest
    kept = home / "reports" / "runs" / run_dir(Settings(home, home), run_id_of(refused)).name / "steward.html"
    report = Tables(kept.read_text(encoding="utf-8")).tables
    assert [f"{NEW}/treatments.csv", "9", OLD, "36", "-75", "refused: fell by more than max_row_drop_pct"] in report[
        "row-counts"
    ]


def test_accept_snapshot_records_who_when_and_why(bad_night) -> None:
    home, _, _, _, accepted, _ = bad_night
    assert accepted.returncode == 0, accepted.stderr
    assert f"{NEW}/treatments.csv: 9 data rows, 36 in {OLD}: accepted." in accepted.stdout
    assert f"recorded in {home / 'runs' / 'snapshot_acceptances.jsonl'}. The next refresh loads it." in accepted.stdout
    (acceptance,) = [json.loads(line) for line in (home / "runs" / "snapshot_acceptances.jsonl").open()]
    assert (acceptance["snapshot"], acceptance["reason"]) == (NEW, "Treatments before 2012 archived")
    assert [(f["source_file"], f["rows"], f["previous_rows"]) for f in acceptance["files"]] == [
        (f"{NEW}/treatments.csv", 9, 36)
    ]


def test_the_next_refresh_loads_the_accepted_snapshot(bad_night) -> None:
    home, _, digest, _, _, loaded = bad_night
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert hashlib.sha256((home / "analytics.duckdb").read_bytes()).hexdigest() != digest
    with duckdb.connect(str(home / "build" / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute(
            f"select rows_read from raw.load_audit where source_file = '{NEW}/treatments.csv'"
        ).fetchall() == [(9,)]


def test_the_steward_report_shows_the_counts_and_the_acceptance(bad_night) -> None:
    home, _, _, _, _, loaded = bad_night
    report = (home / "reports" / "steward.html").read_text(encoding="utf-8")
    assert f"nightly run <code>{run_id_of(loaded)}</code>" in report
    tables = Tables(report).tables
    counts = {row[0]: row[1:] for row in tables["row-counts"][1:]}
    assert counts[f"{NEW}/treatments.csv"][:4] == ["9", OLD, "36", "-75"]
    assert "accepted by" in counts[f"{NEW}/treatments.csv"][4]
    assert counts[f"{NEW}/patients.csv"][:4] == ["27", OLD, "27", "0"]
    (header, accepted) = tables["acceptances"]
    assert dict(zip(header, accepted, strict=True)) | {"accepted at": ""} == {
        "snapshot": NEW,
        "file": f"{NEW}/treatments.csv",
        "rows": "9",
        "previous snapshot": OLD,
        "previous rows": "36",
        "accepted by": json.loads((home / "runs" / "snapshot_acceptances.jsonl").read_text())["accepted_by"],
        "accepted at": "",
        "reason": "Treatments before 2012 archived",
    }
    assert "Treatments before 2012 archived" in unescape(report)
