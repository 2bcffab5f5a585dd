"""Every critical rule stops publication: marts that break each of them at once, checked by GX and by dbt.

The marts of the session's demo refresh are copied into a new home, then one SQL change per critical rule
breaks it (each on rows no other change touches, where it matters). Validation must name every critical
rule of every suite, and the nightly `validate` task must refuse, so `publish` never runs. The keys, links
and code lists are dbt's tests (docs/validation.md): each of their breakages must fail its dbt test at
error severity, which fails the transformation before validation, so nothing is published either.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from helpers import dbt_data_test_failures
from pv_warehouse.core.settings import Settings
from pv_warehouse.core.study import load_parameters
from pv_warehouse.validate.suites import load_suites, run_validation


def nth(table: str, key: str, offset: int, where: str = "true") -> str:
    """The key of one row of a mart, picked by its order among the rows matching `where`."""
    return f"(select {key} from {table} where {where} order by {key} limit 1 offset {offset})"


def change(table: str, key: str, assignment: str, offset: int, where: str = "true") -> str:
    """An update of one row of a mart, picked as `nth` picks it."""
    return f"update {table} set {assignment} where {key} = {nth(table, key, offset, where)}"


COURSES = "marts.fct_treatment_courses"
REACTIONS = "marts.fct_cutaneous_reactions"
CASES = "marts.fct_pv_cases"
PATIENTS = "marts.dim_patients"
FAERS_REPORTS = "marts.fct_faers_reports"
SIGNALS = "marts.faers_signals"
OPEN_COURSE = "is_included and not is_stopped_for_cutaneous_reaction"

BREAKAGES = [
    # dim_patients
    change(PATIENTS, "patient_key", "sex = 'X'", 0),
    change(PATIENTS, "patient_key", "is_target_drug_patient = false", 0, "is_included"),
    change(PATIENTS, "patient_key", "n_courses = 0", 1, "is_included"),
    change(PATIENTS, "patient_key", "first_reaction_latency_days = -1", 2, "is_included"),
    f"alter table {PATIENTS} add column nir varchar",
    change(PATIENTS, "patient_key", "birth_year = 2017", 4),
    # fct_treatment_courses
    change(COURSES, "course_key", "start_date = date '2006-12-31'", 0, OPEN_COURSE),
    change(COURSES, "course_key", "duration_days = 29", 1, OPEN_COURSE),
    change(COURSES, "course_key", "exclusion_reason = 'short_course'", 2, OPEN_COURSE),
    change(COURSES, "course_key", "exclusion_reason = 'too_old'", 0, "not is_included"),
    change(COURSES, "course_key", "indication_group = 'gout_flare'", 3, OPEN_COURSE),
    change(COURSES, "course_key", "patient_key = null", 4, OPEN_COURSE),
    change(COURSES, "course_key", "dose_mg = 0", 5, OPEN_COURSE),
    change(COURSES, "course_key", "end_date = date '9999-12-31'", 6, OPEN_COURSE),
    change(COURSES, "course_key", "start_date = date '2016-05-16'", 3, "not is_included"),
    # fct_cutaneous_reactions
    change(REACTIONS, "reaction_key", "course_key = null", 0),
    change(REACTIONS, "reaction_key", "attribution_method = 'guess'", 1),
    change(REACTIONS, "reaction_key", "latency_days = -3", 2),
    change(REACTIONS, "reaction_key", "latency_days = null", 3, "is_in_cohort"),
    change(REACTIONS, "reaction_key", "naranjo_score = 14, naranjo_category = 'definite'", 4),
    change(REACTIONS, "reaction_key", "naranjo_score = 3, naranjo_category = 'probable'", 5),
    change(REACTIONS, "reaction_key", "naranjo_score_source = 'guess'", 6),
    change(REACTIONS, "reaction_key", "severity = 'fatal'", 7),
    change(REACTIONS, "reaction_key", "localisation = 'face'", 8),
    change(REACTIONS, "reaction_key", "reaction_category = 'sunburn'", 9),
    change(REACTIONS, "reaction_key", "onset_date = date '2016-05-16'", 12),
    change(REACTIONS, "reaction_key", "latency_days = 100000", 7),
    # fct_pv_cases
    change(CASES, "case_id", "initial_receipt_date = date '2016-05-01'", 0, "is_in_query"),
    change(CASES, "case_id", "initial_receipt_date = null", 1, "is_in_query"),
    change(CASES, "case_id", "has_skin_term = false", 2, "is_in_query"),
    change(CASES, "case_id", "case_version = 0", 3),
    change(CASES, "case_id", "n_reaction_terms = 0", 4),
    change(CASES, "case_id", "reporter_type = 'lawyer'", 5),
    change(CASES, "case_id", "initial_receipt_date = export_date + 1", 9),
    change(CASES, "case_id", "version_receipt_date = export_date + 1", 10),
    change(CASES, "case_id", "patient_age_years = 121", 11),
    # fct_faers_reports
    change(FAERS_REPORTS, "caseid", "caseversion = 0", 0),
    change(FAERS_REPORTS, "caseid", "quarter = '2015-1'", 1),
    change(FAERS_REPORTS, "caseid", "event_dt_precision = 'week'", 2),
    change(FAERS_REPORTS, "caseid", "primaryid = null", 3),
    # faers_signals (rows picked by DuckDB's rowid); each count change also breaks a + b + c + d
    change(SIGNALS, "rowid", "a = 0", 0),
    change(SIGNALS, "rowid", "b = -1", 1),
    change(SIGNALS, "rowid", "c = -1", 2),
    change(SIGNALS, "rowid", "d = -1", 3),
    change(SIGNALS, "rowid", "ror_lower = ror + 1", 0, "ror_lower is not null"),
    change(SIGNALS, "rowid", "ror_upper = ror - 1", 1, "ror_upper is not null"),
    change(SIGNALS, "rowid", "prr_lower = prr + 1", 2, "prr_lower is not null"),
    change(SIGNALS, "rowid", "prr_upper = prr - 1", 3, "prr_upper is not null"),
    change(SIGNALS, "rowid", "ic025 = ic + 1", 10),
    change(SIGNALS, "rowid", "chi2 = -1", 4, "chi2 is not null"),
    change(SIGNALS, "rowid", "eb05 = ebgm + 1", 5),
    change(SIGNALS, "rowid", "eb95 = ebgm / 2", 6),
    f"update {SIGNALS} set drug = {nth(SIGNALS, 'drug', 0, 'rowid = 20')}, pt = {nth(SIGNALS, 'pt', 0, 'rowid = 20')} "
    "where rowid = 21",
    # study_summary
    "update marts.study_summary set numerator = 40 where metric = 'pv_cases_withdrawn'",
    "update marts.study_summary set value = 130.8 where metric = 'patients_withdrawn_without_rechallenge'",
    "update marts.study_summary set numerator = -1, value = -1 where metric = 'pv_cases_incl_injection_site_terms'",
    "update marts.study_summary set metric = 'pv_cases' where metric = 'patients_with_recall_syndrome'",
    # cohort_flow
    "update marts.cohort_flow set n_courses = n_courses + 1 where step = 'included'",
    "update marts.cohort_flow set n_patients = -2, step = 'excluded_by_hand' where step = 'excluded_short_course'",
    "update marts.cohort_flow set step_order = 1 where step = 'included'",
    # load reconciliation
    "update quarantine.load_reconciliation set rows_read = rows_read + 1, is_balanced = false "
    "where raw_table = 'hospital_patients'",
    "update quarantine.load_reconciliation set rows_read = null where raw_table = 'pv_cases'",
    "delete from quarantine.load_reconciliation where raw_table = 'hospital_treatments'",
    # keys last: the changes above pick their rows by key
    f"alter table {PATIENTS} alter column patient_key drop not null",
    change(PATIENTS, "patient_key", "patient_key = null", 3),
    change(PATIENTS, "patient_key", f"patient_key = {nth(PATIENTS, 'patient_key', 5)}", 6),
    f"alter table {COURSES} alter column course_key drop not null",
    change(COURSES, "course_key", "course_key = null", 0, "not is_included"),
    f"update {COURSES} set course_key = {nth(COURSES, 'course_key', 1, 'not is_included')} "
    f"where course_key = {nth(COURSES, 'course_key', 2, 'not is_included')}",
    f"alter table {REACTIONS} alter column reaction_key drop not null",
    change(REACTIONS, "reaction_key", "reaction_key = null", 10),
    change(REACTIONS, "reaction_key", f"reaction_key = {nth(REACTIONS, 'reaction_key', 10)}", 11),
    f"alter table {CASES} alter column case_id drop not null",
    change(CASES, "case_id", "case_id = null", 6),
    change(CASES, "case_id", f"case_id = {nth(CASES, 'case_id', 7)}", 8),
    change(FAERS_REPORTS, "caseid", f"caseid = {nth(FAERS_REPORTS, 'caseid', 5)}", 6),
]


@pytest.fixture(scope="module")
def broken_home(demo_run, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    _, home, run = demo_run
    assert run.returncode == 0, run.stderr[-3000:]
    root = tmp_path_factory.mktemp("critical")
    settings = Settings(landing_dir=root / "landing", home_dir=root / "home")
    settings.build_db.parent.mkdir(parents=True)
    shutil.copyfile(home / "build" / "warehouse.duckdb", settings.build_db)
    with duckdb.connect(str(settings.build_db)) as con:
        for statement in BREAKAGES:
            con.execute(statement)
    return settings


def critical_rules(settings: Settings) -> set[tuple[str, str]]:
    """(suite dataset, rule) of every critical expectation of the project's suites."""
    suites = load_suites(settings.expectations_dir, load_parameters(settings.dbt_project_dir))
    return {
        (suite.dataset, expectation.meta["rule"])
        for suite in suites
        for expectation in suite.expectations
        if expectation.meta["severity"] == "critical"
    }


def test_every_critical_expectation_catches_its_breakage(broken_home: Settings) -> None:
    outcome = run_validation(broken_home, "every-critical-rule-broken")
    assert not outcome.success
    caught = {(failure.dataset, failure.rule) for failure in outcome.critical}
    expected = critical_rules(broken_home)
    assert len(expected) >= 49
    assert expected - caught == set()
    assert caught - expected == set()


def test_the_validate_task_refuses_so_nothing_is_published(
    broken_home: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    from pv_warehouse.orchestrate import tasks as pipeline

    for name, value in broken_home.to_env().items():
        monkeypatch.setenv(name, value)
    with pytest.raises(AirflowFailException) as refusal:
        pipeline.validate("every-critical-rule-broken-task")
    message = str(refusal.value)
    assert "critical expectation(s) did not hold, so the marts are not published" in message
    assert "Every included course starts between 2007-01-01 and 2016-04-30" in message
    assert "No published column is named like a direct identifier" in message
    assert not broken_home.published_db.exists()


# the breakages above that dbt's tests catch, as (test, model, column): keys, links, code lists
DBT_OWNED = {
    ("accepted_values", "dim_patients", "sex"),
    ("not_null", "dim_patients", "patient_key"),
    ("unique", "dim_patients", "patient_key"),
    ("not_null", "fct_treatment_courses", "course_key"),
    ("unique", "fct_treatment_courses", "course_key"),
    ("not_null", "fct_treatment_courses", "patient_key"),
    ("accepted_values", "fct_treatment_courses", "exclusion_reason"),
    ("not_null", "fct_cutaneous_reactions", "reaction_key"),
    ("unique", "fct_cutaneous_reactions", "reaction_key"),
    ("not_null", "fct_cutaneous_reactions", "course_key"),
    ("accepted_values", "fct_cutaneous_reactions", "attribution_method"),
    ("accepted_values", "fct_cutaneous_reactions", "naranjo_score_source"),
    ("accepted_values", "fct_cutaneous_reactions", "severity"),
    ("accepted_values", "fct_cutaneous_reactions", "localisation"),
    ("not_null", "fct_pv_cases", "case_id"),
    ("unique", "fct_pv_cases", "case_id"),
    ("accepted_values", "fct_pv_cases", "reporter_type"),
    ("unique", "fct_faers_reports", "caseid"),
    ("not_null", "fct_faers_reports", "primaryid"),
    ("accepted_values", "fct_faers_reports", "event_dt_precision"),
    ("unique_combination", "faers_signals", None),
    ("unique", "study_summary", "metric"),
    ("unique", "cohort_flow", "step_order"),
    ("accepted_values", "cohort_flow", "step"),
}


def test_every_key_link_and_code_breakage_fails_its_dbt_test_at_error_severity(broken_home: Settings) -> None:
    run, failures = dbt_data_test_failures(broken_home.home_dir, "path:models/marts")
    assert run.returncode == 1
    assert DBT_OWNED - set(failures) == set()
    # the only others: links to the rows whose keys were broken
    assert {test for test, _, _ in set(failures) - DBT_OWNED} <= {"relationships"}
    assert set(failures.values()) == {"fail"}
