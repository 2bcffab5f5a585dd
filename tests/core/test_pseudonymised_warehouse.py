"""The published warehouse is pseudonymised: a keyed patient key, no direct identifier, no secret anywhere.

One refresh runs on the demo extracts with distinctive identifiers planted in every identifying and
free-text field, the key coming from an Airflow connection; the tests then scan every column of the
published file and of the Parquet copies for them, and every file of the home for the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import stat
from pathlib import Path

import duckdb
import pytest

from helpers import PUBLISHED_MARTS, published, refresh, rewrite_csv

KEY = "planted-run-key-7f3c9a51d2e84b06a1c5e9f27d3b8a40"
PLANTED_IPP = "97531864"
PLANTED_NIR = "261037512345678"
# every planted name and free text carries this token
TOKEN = "ZQXPLANT"
PLANTED = (TOKEN, PLANTED_IPP, PLANTED_NIR, "17/03/1961", "1961-03-17")
# what the pipeline keeps privately: the raw copies of the extracts and the build database
PRIVATE = ("archive", "build")


def plant_identifiers(landing: Path) -> None:
    """Add a patient with distinctive identifiers and an anakinra course with a reaction to the newest
    hospital snapshot, and identifying details to every national case narrative."""
    snapshot = landing / "hospital" / "2016-05-15"

    def patient(rows):
        planted = dict(rows[0], patient_id=PLANTED_IPP, last_name=f"{TOKEN}NOM", first_name=f"{TOKEN}PRENOM")
        return [*rows, dict(planted, birth_date="17/03/1961", nir=PLANTED_NIR)]

    def treatment(rows):
        source = next(row for row in rows if row["treatment_id"] == "40000001")
        stop = f"Arrêt demandé par Mme {TOKEN}NOM"
        return [*rows, dict(source, treatment_id="49999991", patient_id=PLANTED_IPP, stop_reason=stop)]

    def event(rows):
        source = next(row for row in rows if row["event_id"] == "70000001")
        biopsy = f"{TOKEN}BIOPSIE Mme {TOKEN}NOM née le 17/03/1961"
        planted = dict(source, event_id="79999991", patient_id=PLANTED_IPP, treatment_id="49999991")
        return [*rows, dict(planted, biopsy_done="O", biopsy_result=biopsy)]

    def narrative(rows):
        details = f" Mme {TOKEN}NOM, née le 17/03/1961, NIR {PLANTED_NIR}, IPP {PLANTED_IPP}."
        return [dict(row, narrative=f"{TOKEN}RECIT {row['narrative']}{details}") for row in rows]

    rewrite_csv(snapshot / "patients.csv", patient)
    rewrite_csv(snapshot / "treatments.csv", treatment)
    rewrite_csv(snapshot / "adverse_events.csv", event)
    for export in (landing / "pharmacovigilance").iterdir():
        rewrite_csv(export / "pv_cases.csv", narrative)


@pytest.fixture(scope="module")
def planted_run(tmp_path_factory: pytest.TempPathFactory, demo_landing: Path):
    """A refresh of real-looking extracts (no demo marker) with planted identifiers, keyed by Airflow."""
    root = tmp_path_factory.mktemp("planted")
    landing = root / "landing"
    shutil.copytree(demo_landing, landing)
    (landing / "DEMO-EXTRACTS.txt").unlink()
    plant_identifiers(landing)
    connection = json.dumps({"conn_type": "generic", "password": KEY})
    home = root / "home"
    run = refresh(landing, home, {"AIRFLOW_CONN_PV_WAREHOUSE_PSEUDONYM": connection})
    return home, run


def _files_holding(folder: Path, needles: tuple[str, ...], skip: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Files under `folder` (but not under `skip`) whose bytes contain a needle, with the needles found."""
    found = {}
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if not path.is_file() or relative.parts[0] in skip:
            continue
        content = path.read_bytes()
        hits = [needle for needle in needles if needle.encode() in content]
        if hits:
            found[relative.as_posix()] = hits
    return found


def _text_matches(con: duckdb.DuckDBPyConnection, relation: str, columns: list[str]) -> dict[str, int]:
    """Rows of `relation` where a column, read as text, contains a planted identifier."""
    matches = {}
    for column in columns:
        text = f'upper(cast("{column}" as varchar))'
        condition = " or ".join(f"contains({text}, '{needle}')" for needle in PLANTED)
        count = con.execute(f"select count(*) from {relation} where {condition}").fetchone()[0]
        if count:
            matches[f"{relation}.{column}"] = count
    return matches


@pytest.mark.refresh
def test_a_refresh_without_any_key_on_real_extracts_refuses_to_run(tmp_path: Path, demo_landing: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(demo_landing, landing)
    (landing / "DEMO-EXTRACTS.txt").unlink()
    run = refresh(landing, tmp_path / "home")
    assert run.returncode == 1
    assert "refresh refused, nothing was run: no pseudonym key is set" in run.stderr
    assert "export PV_WAREHOUSE_PSEUDONYM_KEY=$(openssl rand -hex 32)" in run.stderr
    assert "Airflow connection `pv_warehouse_pseudonym`" in run.stderr
    assert not (tmp_path / "home" / "analytics.duckdb").exists()
    assert not (tmp_path / "home" / "archive").exists()
    assert not (tmp_path / "home" / "secrets").exists()


@pytest.mark.refresh
def test_a_key_shorter_than_32_characters_is_refused(tmp_path: Path, demo_landing: Path) -> None:
    run = refresh(demo_landing, tmp_path / "home", {"PV_WAREHOUSE_PSEUDONYM_KEY": "hospital2016"})
    assert run.returncode == 1
    assert "PV_WAREHOUSE_PSEUDONYM_KEY has 12 characters; at least 32 are needed" in run.stderr
    assert not (tmp_path / "home" / "archive").exists()


def test_demo_extracts_get_a_local_key_file_readable_by_its_owner_only(demo_run) -> None:
    _, home, run = demo_run
    key_file = home / "secrets" / "pseudonym.key"
    assert f"Created the local pseudonym key {key_file} (mode 0600), for demo extracts only" in run.stdout
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    assert len(key_file.read_text().strip()) == 64


def test_the_demo_key_is_in_no_log_artifact_or_report(demo_run) -> None:
    _, home, run = demo_run
    key = (home / "secrets" / "pseudonym.key").read_text().strip()
    assert key not in run.stdout + run.stderr
    assert _files_holding(home, (key,)) == {"secrets/pseudonym.key": [key]}


def test_patient_key_is_the_hmac_of_the_identifier_with_the_airflow_connection_key(planted_run) -> None:
    home, run = planted_run
    assert run.returncode == 0, run.stderr[-3000:]
    assert "local pseudonym key" not in run.stdout
    assert not (home / "secrets").exists()
    expected = hmac.new(KEY.encode(), PLANTED_IPP.encode(), hashlib.sha256).hexdigest()
    assert published(home, f"select birth_year from marts.dim_patients where patient_key = '{expected}'") == [(1961,)]
    assert published(home, f"select count(*) from marts.fct_treatment_courses where patient_key = '{expected}'") == [
        (1,)
    ]


def test_the_planted_identifiers_reached_the_private_build_database(planted_run) -> None:
    """The scans below look for values the pipeline did read."""
    home, _ = planted_run
    private = [
        ("staging.stg_hospital__patients", ["patient_id", "last_name", "first_name", "birth_date", "nir"]),
        ("staging.stg_hospital__treatments", ["stop_reason"]),
        ("staging.stg_hospital__adverse_events", ["biopsy_result"]),
        ("raw.pv_cases", ["narrative"]),
    ]
    with duckdb.connect(str(home / "build" / "warehouse.duckdb"), read_only=True) as con:
        matches = {}
        for relation, columns in private:
            matches |= _text_matches(con, relation, columns)
    assert matches == {
        "staging.stg_hospital__patients.patient_id": 1,
        "staging.stg_hospital__patients.last_name": 1,
        "staging.stg_hospital__patients.first_name": 1,
        "staging.stg_hospital__patients.birth_date": 1,
        "staging.stg_hospital__patients.nir": 1,
        "staging.stg_hospital__treatments.stop_reason": 1,
        "staging.stg_hospital__adverse_events.biopsy_result": 1,
        "raw.pv_cases.narrative": 88 + 64,
    }


def test_no_planted_identifier_reaches_any_column_of_the_published_file(planted_run) -> None:
    home, _ = planted_run
    with duckdb.connect(str(home / "analytics.duckdb"), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, list(column_name order by ordinal_position) "
            "from information_schema.columns group by all order by all"
        ).fetchall()
        assert {schema for schema, _, _ in columns} == {"marts"}
        assert [table for _, table, _ in columns] == sorted(PUBLISHED_MARTS)
        matches = {}
        for schema, table, names in columns:
            matches |= _text_matches(con, f'{schema}."{table}"', names)
    assert matches == {}


def test_no_planted_identifier_reaches_the_parquet_copies(planted_run) -> None:
    home, _ = planted_run
    files = sorted((home / "parquet").glob("*.parquet"))
    assert [path.stem for path in files] == sorted(PUBLISHED_MARTS)
    matches = {}
    with duckdb.connect() as con:
        for path in files:
            relation = f"read_parquet('{path}')"
            names = [row[0] for row in con.execute(f"describe select * from {relation}").fetchall()]
            matches |= _text_matches(con, relation, names)
    assert matches == {}


def test_neither_the_key_nor_a_planted_identifier_is_in_logs_artifacts_or_reports(planted_run) -> None:
    home, run = planted_run
    assert KEY not in run.stdout + run.stderr
    assert not any(needle in run.stdout + run.stderr for needle in PLANTED)
    # Airflow's database and logs, dbt's artifacts, Data Docs, the dbt docs site, the steward's files
    assert (home / "reports" / "dbt_docs" / "index.html").is_file()
    assert _files_holding(home, (KEY, *PLANTED), skip=PRIVATE) == {}
