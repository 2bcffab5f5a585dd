"""What the tests share besides fixtures: the project's paths, the published marts and the nightly tasks,
a child `pv-warehouse refresh`, reads of the published warehouse, CSV rewrites, headless Chromium."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from pv_warehouse.ingest.contract import HOSPITAL, PHARMACOVIGILANCE

PROJECT_DIR = Path(__file__).resolve().parents[1]
SHARED_DIR = PROJECT_DIR.parent / "shared"
CLI = Path(sys.executable).parent / "pv-warehouse"
# the tables of schema marts: the analyst-marts contract's six, the FAERS marts, the MedDRA release's
# dimensions, the reaction-grain facts and the sources comparison
PUBLISHED_MARTS = (
    "cohort_flow",
    "dim_faers_drug_names",
    "dim_meddra_pt_soc",
    "dim_meddra_smq_terms",
    "dim_meddra_terms",
    "dim_patients",
    "faers_probable_duplicates",
    "faers_signal_priors",
    "faers_signals",
    "faers_signals_by_level",
    "fct_cutaneous_reactions",
    "fct_faers_reactions",
    "fct_faers_reports",
    "fct_pv_case_reactions",
    "fct_pv_cases",
    "fct_treatment_courses",
    "skin_reactions_by_source",
    "study_summary",
)

# the nightly DAG's tasks in their order; end_run comes after them all, only when one failed
NIGHTLY_TASKS = ("load_raw", "check_changes", "transform", "validate", "publish", "dbt_docs", "report")


PATIENTS = "patient_id;last_name;first_name;birth_date;sex;nir\r\n"

EVENT_COLUMNS = HOSPITAL.files[2].required_columns

PV_COLUMNS = PHARMACOVIGILANCE.files[0].required_columns


def event_row(**values: str) -> str:
    return ";".join(values.get(column, "") for column in EVENT_COLUMNS) + "\r\n"


DBT_PROJECT = PROJECT_DIR / "dbt_project"

DBT = Path(sys.executable).parent / "dbt"


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


# a refresh's first step, alone: migrate the Airflow metadata database of the home in argv[1] and add its pool
MIGRATE_AIRFLOW_DB = """
import sys
from pathlib import Path
from pv_warehouse.core.settings import Settings
from pv_warehouse.orchestrate.local_run import migrate_metadata_db, prepare_environment
home = Path(sys.argv[1])
prepare_environment(Settings(landing_dir=home / "landing", home_dir=home))
migrate_metadata_db()
"""


def migrate_airflow_db(home: Path) -> Path:
    """The Airflow metadata database a refresh of `home` starts by migrating, migrated; returns its path."""
    subprocess.run(
        [sys.executable, "-c", MIGRATE_AIRFLOW_DB, str(home)],
        cwd=PROJECT_DIR,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return home / "airflow" / "airflow.db"


def new_home(home: Path, migrated_db: Path) -> Path:
    """A new home holding only a copy of an already migrated Airflow metadata database (see the
    `migrated_airflow_db` fixture): its refresh skips the migration, the longest part of a run that fails
    early, and is otherwise the first run of a new home."""
    (home / "airflow").mkdir(parents=True)
    shutil.copyfile(migrated_db, home / "airflow" / "airflow.db")
    return home


def run_id_of(run: subprocess.CompletedProcess[str]) -> str:
    """The run id `refresh` printed."""
    match = re.search(r"The nightly run (\S+) (?:succeeded|failed)", run.stdout + run.stderr)
    assert match, run.stderr[-3000:]
    return match.group(1)


def published(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "analytics.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


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


TREATMENTS = (
    "treatment_id;patient_id;drug_label;atc_code;start_date;end_date;dose_mg;dosing_interval_h;route;"
    "indication;stop_reason\r\n"
)


def write_hospital(folder: Path, encoding: str = "utf-8", *, bom: bool = False, dose: str = "1,5") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    prefix = "\ufeff" if bom else ""
    (folder / "patients.csv").write_text(
        prefix + PATIENTS + "1001;Lefèvre;Zoé;12/03/1970;F;\r\n1002;Noël;Benoît;01/01/1960;M;160017512345678\r\n",
        encoding=encoding,
        newline="",
    )
    (folder / "treatments.csv").write_text(
        prefix
        + TREATMENTS
        + f'5001;1001;"KINERET 100 mg/0,67 ml; seringue";L04AC03;02/03/2009;;{dose};24;SC;'
        + "Polyarthrite rhumatoïde;\r\n",
        encoding=encoding,
        newline="",
    )
    (folder / "adverse_events.csv").write_text(
        prefix
        + ";".join(EVENT_COLUMNS)
        + "\r\n"
        + event_row(
            event_id="7001",
            patient_id="1001",
            treatment_id="5001",
            onset_date="05/03/2009",
            reaction_label="Érythème œdémateux des quatre membres",
            localisation="limbs",
            biopsy_result='"Panniculite lobulaire\r\nsans vascularite"',
        ),
        encoding=encoding,
        newline="",
    )


def write_pv(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    row = {column: "" for column in PV_COLUMNS}
    row.update(case_id="LY20150123", case_version="1", initial_receipt_date="02/02/2015", suspect_drug="ANAKINRA")
    (folder / "pv_cases.csv").write_text(
        ";".join(PV_COLUMNS) + "\n" + ";".join(row[c] for c in PV_COLUMNS) + "\n", encoding="utf-8"
    )


class Tables(HTMLParser):
    """The text of every cell of every table with an id, row by row (header row included)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and dict(attrs).get("id"):
            self._table = dict(attrs)["id"]
            self.tables[self._table] = []
        elif self._table and tag == "tr":
            self.tables[self._table].append([])
        elif self._table and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif self._table and tag in ("td", "th") and self._cell is not None:
            self.tables[self._table][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def dbt(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PV_WAREHOUSE_HOME": str(home),
        "PV_WAREHOUSE_PSEUDONYM_KEY": "unit-tests-only",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    return subprocess.run(
        [str(DBT), *args, "--profiles-dir", ".", "--target-path", str(home / "dbt" / "target")],
        cwd=DBT_PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def dbt_data_test_failures(home: Path, select: str) -> tuple[subprocess.CompletedProcess[str], dict[tuple, str]]:
    """Run the data tests of the selected models on the home's build database as it is, rebuilding nothing:
    the run, and each test that did not pass as (test, model, column) with its status (`fail` at error
    severity, `warn` at warning severity)."""
    run = dbt(home, "test", "--select", select, "--exclude", "test_type:unit")
    target = home / "dbt" / "target"
    nodes = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["nodes"]
    failures = {}
    for result in json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]:
        if result["status"] == "pass":
            continue
        node = nodes[result["unique_id"]]
        model = node["attached_node"].rsplit(".", 1)[-1] if node.get("attached_node") else None
        failures[(node["test_metadata"]["name"], model, node.get("column_name"))] = result["status"]
    return run, failures


# a treatment naming with `AB123456 ` the patient that patients.csv writes `ab123456`
SECOND_SPELLING_TREATMENT = {
    "patient_id": "AB123456 ",
    "treatment_id": "40000099",
    "atc_code": "L04AC03",
    "drug_label": "KINERET 100 mg",
    "start_date": "01/02/2012",
    "end_date": "30/06/2012",
    "dose_mg": "100",
    "dosing_interval_h": "24",
    "route": "SC",
    "indication": "Goutte",
}


def set_value(key_column: str, key: str, column: str, value: str):
    """A change for `rewrite_csv`: `column` of the row whose `key_column` is `key` becomes `value`."""

    def change(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        matching = [row for row in rows if row[key_column] == key]
        assert len(matching) == 1, (key_column, key)
        matching[0][column] = value
        return rows

    return change


def add_row(values: dict[str, str]):
    """A change for `rewrite_csv`: one more row, empty where `values` says nothing."""

    def change(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        return [*rows, {column: values.get(column, "") for column in rows[0]}]

    return change
