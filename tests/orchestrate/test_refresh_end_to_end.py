"""`pv-warehouse refresh` on the demo extracts, as a user runs it: the same DAG, in-process, end to end."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import duckdb

from helpers import PROJECT_DIR, child_env, published, refresh, refresh_command


def test_refresh_succeeds_and_says_where_outputs_are(demo_run) -> None:
    _, home, run = demo_run
    assert run.returncode == 0, run.stderr[-3000:]
    assert f"Published warehouse: {home / 'analytics.duckdb'}" in run.stdout
    assert f"Validation report:   {home / 'reports' / 'data_docs' / 'index.html'}" in run.stdout
    assert "pv_cases_withdrawn" in run.stdout
    # Airflow, dbt and GX log warnings only unless --verbose: the output is the bar and the outputs
    assert "[info" not in run.stdout + run.stderr
    assert "[DAG TEST]" not in run.stdout + run.stderr


def test_published_file_holds_the_marts_schema_only(demo_run) -> None:
    _, home, _ = demo_run
    schemas = published(home, "select distinct table_schema from information_schema.tables")
    assert schemas == [("marts",)]
    assert published(home, "select table_name from information_schema.tables order by 1") == [
        ("cohort_flow",),
        ("dim_faers_drug_names",),
        ("dim_meddra_pt_soc",),
        ("dim_meddra_smq_terms",),
        ("dim_meddra_terms",),
        ("dim_patients",),
        ("faers_probable_duplicates",),
        ("faers_signal_priors",),
        ("faers_signals",),
        ("faers_signals_by_level",),
        ("fct_cutaneous_reactions",),
        ("fct_faers_reactions",),
        ("fct_faers_reports",),
        ("fct_pv_case_reactions",),
        ("fct_pv_cases",),
        ("fct_treatment_courses",),
        ("skin_reactions_by_source",),
        ("study_summary",),
    ]
    # no MedDRA release in the demo landing: its dimensions are published empty
    assert published(home, "select count(*) from marts.dim_meddra_terms") == [(0,)]


def test_skin_reactions_of_the_drug_are_set_side_by_side_across_sources(demo_run) -> None:
    _, home, _ = demo_run
    rows = published(home, "select * from marts.skin_reactions_by_source")
    by_source = {row[0]: row[1:] for row in rows}
    assert [row[0] for row in rows] == ["hospital_cohort", "national_query", "faers"]
    # the 9 included patients with a skin reaction, 6 of whom had anakinra withdrawn at least once
    # (4 of them without rechallenge); no seriousness in the hospital extract
    assert by_source["hospital_cohort"] == (9, 6, 66.7, None, None)
    # the study's 37 national cases, 26 withdrawn as in study_summary, 9 serious
    assert by_source["national_query"] == (37, 26, 70.3, 9, 24.3)
    # the demo's synthetic FAERS quarters: 11 anakinra cases with a skin term, 4 with a positive dechallenge
    assert by_source["faers"] == (11, 4, 36.4, 1, 9.1)


def test_study_summary_reproduces_the_abstract(demo_run) -> None:
    _, home, _ = demo_run
    summary = {
        metric: (numerator, denominator, value)
        for metric, numerator, denominator, value in published(
            home, "select metric, numerator, denominator, value from marts.study_summary"
        )
    }
    assert summary["patients_included"] == (13, None, 13)
    assert summary["patients_with_skin_reaction"] == (9, 13, 69.2)
    assert summary["patients_withdrawn_without_rechallenge"] == (4, 13, 30.8)
    assert 6.5 <= summary["mean_latency_days"][2] <= 7.5
    assert summary["mean_latency_days"][1] is None  # a mean has no denominator: only shares do
    assert summary["patients_with_recall_syndrome"][0] == 2
    assert summary["pv_cases"] == (37, None, 37)
    assert summary["pv_cases_withdrawn"] == (26, 37, 70.3)
    assert summary["pv_cases_incl_injection_site_terms"] == (43, None, 43)


def test_cohort_flow_runs_from_all_patients_to_the_included(demo_run) -> None:
    _, home, _ = demo_run
    assert published(home, "select step, n_patients, n_courses from marts.cohort_flow order by step_order") == [
        ("all_target_drug_patients", 20, 22),
        ("excluded_outside_study_window", 2, 2),
        ("excluded_short_course", 5, 6),
        ("included", 13, 14),
    ]


def test_every_file_reconciles_rows_read_with_accepted_and_quarantined(demo_run) -> None:
    _, home, _ = demo_run
    with duckdb.connect(str(home / "build" / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select source_file, rows_read, rows_accepted, rows_quarantined from quarantine.load_reconciliation"
        ).fetchall()
    assert sorted(rows) == [
        # each FAERS quarter's reports file is reconciled too; the demo quarters hold no bad row
        ("faers/2015q1/faers_ascii_2015q1.zip!ascii/DEMO15Q1.txt", 2000, 2000, 0),
        ("faers/2015q2/ascii2/DEMO15Q2.txt", 2000, 2000, 0),
        ("hospital/2016-05-15/adverse_events.csv", 24, 15, 9),
        ("hospital/2016-05-15/patients.csv", 27, 22, 5),
        ("hospital/2016-05-15/treatments.csv", 36, 29, 7),
        ("pharmacovigilance/2016-05-10/pv_cases.csv", 88, 83, 5),
    ]


def test_national_cases_match_the_abstract(demo_run) -> None:
    _, home, _ = demo_run
    counts = published(
        home,
        "select count(*), count(*) filter (where is_in_query), count(*) filter (where is_in_query and is_withdrawn), "
        "count(*) filter (where is_in_query_incl_injection_site_terms) from marts.fct_pv_cases",
    )
    # 48 cases survive quarantine in the newest export; 37 are in the query, 26 of them withdrawn
    assert counts == [(48, 37, 26, 43)]


def test_each_kind_of_bad_row_is_quarantined_with_its_reason(demo_run) -> None:
    _, home, _ = demo_run
    with duckdb.connect(str(home / "build" / "warehouse.duckdb"), read_only=True) as con:
        reasons = {
            table: {row[0] for row in con.execute(f"select quarantine_reason from quarantine.{table}").fetchall()}
            for table in (
                "quarantine_hospital_patients",
                "quarantine_hospital_treatments",
                "quarantine_hospital_adverse_events",
            )
        }
        run_ids = con.execute("select distinct run_id from quarantine.quarantine_pv_cases").fetchall()
    assert reasons["quarantine_hospital_patients"] == {
        "unknown code in sex",
        "unparseable date in birth_date",
        "missing patient_id",
        "duplicate key: patient_id repeated in the file",
    }
    assert "unparseable number in dose_mg" in reasons["quarantine_hospital_treatments"]
    assert "unknown patient: patient_id not among the accepted patients" in reasons["quarantine_hospital_treatments"]
    assert {
        "unknown treatment: treatment_id not among the accepted treatments",
        "onset before the start of the attributed treatment",
        "duplicate key: event_id repeated in the file",
    } <= reasons["quarantine_hospital_adverse_events"]
    assert len(run_ids) == 1 and run_ids[0][0].startswith("manual__")


def test_no_identifier_of_the_extracts_reaches_the_published_file(demo_run) -> None:
    _, home, _ = demo_run
    with duckdb.connect(str(home / "build" / "warehouse.duckdb"), read_only=True) as con:
        identifiers = {
            value
            for row in con.execute(
                "select patient_id, last_name, first_name, nir, strftime(birth_date, '%d/%m/%Y') "
                "from staging.stg_hospital__patients"
            ).fetchall()
            for value in row
            if value
        }
    columns = published(
        home, "select table_name, column_name from information_schema.columns where data_type = 'VARCHAR'"
    )
    for table, column in columns:
        values = {row[0] for row in published(home, f'select distinct "{column}" from marts."{table}"')}
        assert not values & identifiers, (table, column)


def test_validation_report_is_written_under_the_home(demo_run) -> None:
    _, home, _ = demo_run
    index = home / "reports" / "data_docs" / "index.html"
    assert index.exists()
    assert "fct_pv_cases" in index.read_text(encoding="utf-8")


def test_raw_keeps_both_snapshots_and_the_audit_counts_rows(demo_run) -> None:
    _, home, _ = demo_run
    with duckdb.connect(str(home / "build" / "warehouse.duckdb"), read_only=True) as con:
        audit = dict(con.execute("select source_file, rows_read from raw.load_audit").fetchall())
        raw_rows = con.execute("select count(*) from raw.pv_cases").fetchone()[0]
    assert audit["pharmacovigilance/2016-05-10/pv_cases.csv"] == 88
    assert audit["hospital/2016-05-15/patients.csv"] == 27
    assert raw_rows == 88 + 64


def copy_of(demo_run, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the demo run's landing and published home, for a test that refreshes them again."""
    demo_landing, demo_home, first = demo_run
    assert first.returncode == 0, first.stderr[-3000:]
    landing, home = tmp_path / "landing", tmp_path / "home"
    shutil.copytree(demo_landing, landing)
    shutil.copytree(demo_home, home)
    return landing, home


def test_a_second_refresh_with_nothing_new_republishes_the_same_file_and_rebuild_rebuilds(
    demo_run, tmp_path: Path
) -> None:
    landing, home = copy_of(demo_run, tmp_path)
    before = published(home, "select * from marts.fct_pv_cases order by case_id")
    digest = hashlib.sha256((home / "analytics.duckdb").read_bytes()).hexdigest()
    inode = (home / "analytics.duckdb").stat().st_ino
    versions = sorted((home / "versions").glob("*"))
    run = refresh(landing, home)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Nothing new since run manual__" in run.stdout
    # replaced atomically, as by every successful refresh, by the very same bytes; no version of them kept
    assert (home / "analytics.duckdb").stat().st_ino != inode
    assert hashlib.sha256((home / "analytics.duckdb").read_bytes()).hexdigest() == digest
    assert sorted((home / "versions").glob("*")) == versions
    report = (home / "reports" / "steward.html").read_text(encoding="utf-8")
    assert "Run status: unchanged. Nothing new: no delivery and no rule changed since run" in report
    inode = (home / "analytics.duckdb").stat().st_ino

    rebuilt = subprocess.run(
        [*refresh_command(landing, home), "--rebuild"],
        cwd=PROJECT_DIR,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
    assert "Nothing new" not in rebuilt.stdout
    assert (home / "analytics.duckdb").stat().st_ino != inode
    assert published(home, "select * from marts.fct_pv_cases order by case_id") == before
    with duckdb.connect(str(home / "build" / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.pv_cases").fetchone()[0] == 88 + 64


def test_an_incomplete_snapshot_fails_the_run_and_keeps_the_published_file(demo_run, tmp_path: Path) -> None:
    landing, home = copy_of(demo_run, tmp_path)
    newer = landing / "hospital" / "2016-06-01"
    shutil.copytree(landing / "hospital" / "2016-05-15", newer)
    (newer / "adverse_events.csv").unlink()
    digest = hashlib.sha256((home / "analytics.duckdb").read_bytes()).hexdigest()
    run = refresh(landing, home)
    assert run.returncode == 1
    assert "failed; nothing was published" in run.stderr
    assert "hospital/2016-06-01/: incomplete snapshot, adverse_events.csv is missing" in run.stderr
    assert hashlib.sha256((home / "analytics.duckdb").read_bytes()).hexdigest() == digest
