"""Landing -> archive -> raw: encodings, lossless text, provenance, idempotence and every refusal."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from helpers import PATIENTS, write_hospital, write_pv
from pv_warehouse.core.build_db import connect_build
from pv_warehouse.core.settings import Settings
from pv_warehouse.ingest.contract import LandingError
from pv_warehouse.ingest.load import load_landing


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(landing_dir=tmp_path / "landing", home_dir=tmp_path / "home")


def raw(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", False), ("utf-8", True), ("cp1252", False)])
def test_both_encodings_and_the_bom_load_with_accents_intact(settings: Settings, encoding: str, bom: bool) -> None:
    write_hospital(settings.landing_dir / "hospital" / "2016-05-15", encoding, bom=bom)
    report = load_landing(settings, "run-1")

    assert {f.source_file: f.rows_read for f in report.files} == {
        "hospital/2016-05-15/adverse_events.csv": 1,
        "hospital/2016-05-15/patients.csv": 2,
        "hospital/2016-05-15/treatments.csv": 1,
    }
    assert raw(settings, "select patient_id, last_name, first_name from raw.hospital_patients order by 1") == [
        ("1001", "Lefèvre", "Zoé"),
        ("1002", "Noël", "Benoît"),
    ]
    assert raw(settings, "select reaction_label, biopsy_result from raw.hospital_adverse_events") == [
        ("Érythème œdémateux des quatre membres", "Panniculite lobulaire\r\nsans vascularite")
    ]
    expected = "cp1252" if encoding == "cp1252" else "utf-8"
    assert raw(settings, "select distinct encoding, has_bom from raw.load_audit") == [(expected, bom)]


def test_raw_keeps_text_as_received_with_provenance(settings: Settings) -> None:
    write_hospital(settings.landing_dir / "hospital" / "2016-05-15", dose="1,5")
    load_landing(settings, "run-1")

    rows = raw(
        settings,
        "select drug_label, dose_mg, end_date, indication, _source_file, _snapshot_date, _row_number, _run_id, "
        "length(_sha256), _loaded_at is not null from raw.hospital_treatments",
    )
    (label, dose, end, indication, source_file, snapshot, row_number, run_id, sha_length, stamped) = rows[0]
    assert (label, dose, end, indication) == (
        "KINERET 100 mg/0,67 ml; seringue",
        "1,5",
        None,
        "Polyarthrite rhumatoïde",
    )
    assert (source_file, str(snapshot), row_number, run_id, sha_length, stamped) == (
        "hospital/2016-05-15/treatments.csv",
        "2016-05-15",
        1,
        "run-1",
        64,
        True,
    )
    assert raw(settings, "select _row_number from raw.hospital_patients order by 1") == [(1,), (2,)]


def test_row_numbers_follow_the_file_when_it_is_read_in_parallel(settings: Settings) -> None:
    """A file of many buffers is read by several threads; each row keeps its place among the data rows, a
    line break inside a quoted value included, in a snapshot loaded after another one."""
    write_hospital(settings.landing_dir / "hospital" / "2016-01-04")
    load_landing(settings, "run-1")
    folder = settings.landing_dir / "hospital" / "2016-05-15"
    write_hospital(folder)
    rows = 1_000_000
    with (folder / "patients.csv").open("w", encoding="utf-8", newline="") as out:
        out.write(PATIENTS)
        for number in range(1, rows + 1):
            name = '"Line\r\nbreak"' if number % 1000 == 0 else "Martin"
            out.write(f"{number:09d};{name};Jean;01/01/1960;M;\r\n")
    load_landing(settings, "run-2")

    newest = "from raw.hospital_patients where _snapshot_date = '2016-05-15'"
    assert raw(settings, f"select count(*), min(_row_number), max(_row_number) {newest}") == [(rows, 1, rows)]
    assert raw(settings, f"select count(*) {newest} and cast(patient_id as integer) <> _row_number") == [(0,)]
    assert raw(settings, f"select count(*) {newest} and last_name = 'Line\r\nbreak'") == [(rows // 1000,)]


def test_each_file_is_archived_under_its_sha256_read_only(settings: Settings) -> None:
    write_hospital(settings.landing_dir / "hospital" / "2016-05-15")
    report = load_landing(settings, "run-1")

    for file in report.files:
        archived = settings.archive_dir / f"{file.sha256}.csv"
        assert archived.read_bytes() == (settings.landing_dir / file.source_file).read_bytes()
        assert archived.stat().st_mode & 0o222 == 0


def test_a_second_run_loads_nothing_again(settings: Settings) -> None:
    write_hospital(settings.landing_dir / "hospital" / "2016-05-15")
    write_pv(settings.landing_dir / "pharmacovigilance" / "2016-05-10")
    load_landing(settings, "run-1")

    again = load_landing(settings, "run-2")
    assert {f.status for f in again.files} == {"unchanged"}
    # the same bytes touched (new modification time) are fingerprinted again, then recognised
    (settings.landing_dir / "hospital" / "2016-05-15" / "patients.csv").touch()
    touched = load_landing(settings, "run-3")
    assert [f.status for f in touched.files if f.raw_table == "hospital_patients"] == ["same bytes already loaded"]
    assert raw(settings, "select count(*) from raw.hospital_patients") == [(2,)]
    assert raw(settings, "select count(*), count(distinct run_id) from raw.load_audit") == [(4, 1)]


def test_same_bytes_in_a_newer_snapshot_load_once_and_belong_to_both(settings: Settings) -> None:
    write_hospital(settings.landing_dir / "hospital" / "2016-01-04")
    shutil.copytree(settings.landing_dir / "hospital" / "2016-01-04", settings.landing_dir / "hospital" / "2016-05-15")
    report = load_landing(settings, "run-1")

    assert sorted(f.status for f in report.files) == ["loaded"] * 3 + ["same bytes already loaded"] * 3
    assert raw(settings, "select count(*) from raw.hospital_patients") == [(2,)]
    assert (
        raw(
            settings,
            "select snapshot_date::varchar, sha256 from raw.snapshot_manifest "
            "where raw_table = 'hospital_patients' order by 1",
        )[0][1]
        == raw(settings, "select distinct _sha256 from raw.hospital_patients")[0][0]
    )
    assert raw(settings, "select count(*) from raw.snapshot_manifest") == [(6,)]


def test_extra_columns_and_another_column_order_are_kept_in_raw(settings: Settings) -> None:
    folder = settings.landing_dir / "hospital" / "2016-05-15"
    write_hospital(folder)
    (folder / "patients.csv").write_text(
        "sex;patient_id;birth_date;last_name;first_name;nir;Service\n F ;1001;12/03/1970;Lefèvre;Zoé;;Rhumatologie\n",
        encoding="utf-8",
    )
    load_landing(settings, "run-1")

    assert raw(settings, "select patient_id, sex, service from raw.hospital_patients") == [
        ("1001", " F ", "Rhumatologie")
    ]


def assert_refused(settings: Settings, *fragments: str) -> None:
    with pytest.raises(LandingError) as refusal:
        load_landing(settings, "run-1")
    for fragment in fragments:
        assert fragment in str(refusal.value)
    # nothing of the run reached raw
    if not settings.build_db.exists():
        return
    tables = raw(settings, "select table_name from information_schema.tables where table_schema = 'raw'")
    for (table,) in tables:
        assert raw(settings, f"select count(*) from raw.{table}") == [(0,)], table


def test_incomplete_snapshot_is_refused_whole(settings: Settings) -> None:
    folder = settings.landing_dir / "hospital" / "2016-05-15"
    write_hospital(folder)
    write_pv(settings.landing_dir / "pharmacovigilance" / "2016-05-10")
    (folder / "adverse_events.csv").unlink()
    assert_refused(settings, "hospital/2016-05-15/", "incomplete snapshot", "adverse_events.csv is missing")


def test_missing_required_column_is_refused_naming_file_and_column(settings: Settings) -> None:
    folder = settings.landing_dir / "hospital" / "2016-05-15"
    write_hospital(folder)
    text = (folder / "treatments.csv").read_text(encoding="utf-8").replace("atc_code", "atc")
    (folder / "treatments.csv").write_text(text, encoding="utf-8")
    assert_refused(settings, "hospital/2016-05-15/treatments.csv", "required column 'atc_code' missing")


def test_file_decoding_in_neither_encoding_is_refused(settings: Settings) -> None:
    folder = settings.landing_dir / "hospital" / "2016-05-15"
    write_hospital(folder)
    # 0x81 and 0x8d are not UTF-8 here and have no character in Windows-1252
    (folder / "patients.csv").write_bytes(PATIENTS.encode() + b"1001;Le\x81\x8dvre;Zo\xe9;12/03/1970;F;\r\n")
    assert_refused(
        settings,
        "hospital/2016-05-15/patients.csv",
        "decodes in neither UTF-8 nor Windows-1252",
        "line 2",
    )


def test_empty_file_and_header_only_file_are_refused(settings: Settings) -> None:
    folder = settings.landing_dir / "hospital" / "2016-05-15"
    write_hospital(folder)
    (folder / "patients.csv").write_bytes(b"")
    assert_refused(settings, "hospital/2016-05-15/patients.csv", "the file is empty")
    (folder / "patients.csv").write_text(PATIENTS, encoding="utf-8")
    assert_refused(settings, "hospital/2016-05-15/patients.csv", "header but no data row")


def test_a_folder_not_named_by_a_date_is_refused(settings: Settings) -> None:
    write_hospital(settings.landing_dir / "hospital" / "latest")
    assert_refused(settings, "hospital/latest/", "YYYY-MM-DD")


def test_a_malformed_row_is_refused_with_its_line(settings: Settings) -> None:
    folder = settings.landing_dir / "hospital" / "2016-05-15"
    write_hospital(folder)
    with (folder / "patients.csv").open("a", encoding="utf-8", newline="") as handle:
        handle.write("1003;Martin;Jean;01/01/1950;M;;surplus;encore\r\n")
    with pytest.raises(LandingError, match=r"hospital/2016-05-15/patients.csv: the CSV reader could not read"):
        load_landing(settings, "run-1")


@pytest.mark.parametrize("spill", ["another-disk", ""])
def test_the_pipeline_connections_take_duckdb_limits_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spill: str
) -> None:
    monkeypatch.setenv("PV_WAREHOUSE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PV_WAREHOUSE_DUCKDB_MEMORY_LIMIT", "1GiB")
    monkeypatch.setenv("PV_WAREHOUSE_DUCKDB_THREADS", "1")
    monkeypatch.setenv("PV_WAREHOUSE_DUCKDB_TEMP_DIR", str(tmp_path / spill) if spill else "")
    settings = Settings.from_env()
    expected_spill = tmp_path / spill if spill else tmp_path / "home" / "build" / "tmp"
    assert settings.duckdb_temp_dir == expected_spill
    # what every task passes on to the next process rebuilds the same settings
    monkeypatch.setattr("os.environ", {**settings.to_env()})
    assert Settings.from_env() == settings
    with connect_build(settings) as con:
        limits = con.execute(
            "select current_setting('memory_limit'), current_setting('threads'), current_setting('temp_directory')"
        ).fetchone()
    assert limits == ("1.0 GiB", 1, str(expected_spill))
    assert expected_spill.is_dir()
