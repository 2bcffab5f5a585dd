"""Validation of the national cases mart with the project's own suite, on small hand-made build databases;
the mart's key and codes, which dbt tests own, checked by dbt on the same databases."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from helpers import dbt_data_test_failures
from pv_warehouse.core.settings import PROJECT_DIR, Settings
from pv_warehouse.validate.suites import (
    FailedExpectation,
    ValidationFailed,
    ValidationOutcome,
    comparable_columns,
    day_bound,
    raise_for_critical,
    run_validation,
)

SUITE = ["fct_pv_cases"]
CREATE_CASES = """
create schema marts;
create table marts.fct_pv_cases (
    case_id varchar,
    case_version integer,
    initial_receipt_date date,
    version_receipt_date date,
    reporter_type varchar,
    patient_sex varchar,
    patient_age_years integer,
    is_serious boolean,
    has_skin_term boolean,
    has_injection_site_term boolean,
    is_in_query boolean,
    is_withdrawn boolean,
    n_reaction_terms integer,
    export_date date
)
"""


@dataclass
class Case:
    """One row of marts.fct_pv_cases, valid unless a test changes it."""

    case_id: str
    initial_receipt_date: dt.date = dt.date(2010, 3, 1)
    is_in_query: bool = True
    has_skin_term: bool = True
    patient_sex: str | None = "F"
    patient_age_years: int | None = 45
    case_version: int = 1
    n_reaction_terms: int = 2
    export_date: dt.date = dt.date(2016, 5, 10)

    def row(self) -> tuple[object, ...]:
        return (
            self.case_id,
            self.case_version,
            self.initial_receipt_date,
            self.initial_receipt_date + dt.timedelta(days=3),
            "physician",
            self.patient_sex,
            self.patient_age_years,
            False,
            self.has_skin_term,
            False,
            self.is_in_query,
            False,
            self.n_reaction_terms,
            self.export_date,
        )


def clean_cases() -> list[Case]:
    """Valid cases, edges of the query window included, with unknown sex and age and one case out of query."""
    return [
        Case("FR-0001", initial_receipt_date=dt.date(2003, 1, 1)),
        Case("FR-0002", initial_receipt_date=dt.date(2016, 4, 30), patient_sex="M"),
        Case("FR-0003", patient_sex=None, patient_age_years=None),
        Case("FR-0004", case_version=3, patient_age_years=0),
        # received on the export date (the version three days later, so exported three days after it)
        Case("FR-0006", patient_age_years=120, export_date=dt.date(2010, 3, 4)),
        # outside the query: an early receipt without a skin term is no breach of the query rules
        Case("FR-0005", initial_receipt_date=dt.date(1999, 6, 1), is_in_query=False, has_skin_term=False),
    ]


def make_home(root: Path, cases: list[Case]) -> Settings:
    """A home folder whose build database holds the given cases."""
    settings = Settings(landing_dir=root / "landing", home_dir=root / "home")
    settings.build_db.parent.mkdir(parents=True)
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute(CREATE_CASES)
        con.executemany(
            "insert into marts.fct_pv_cases values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [case.row() for case in cases],
        )
    return settings


def validated(tmp_path_factory: pytest.TempPathFactory, cases: list[Case], run_id: str) -> ValidationOutcome:
    settings = make_home(tmp_path_factory.mktemp("validate"), cases)
    return run_validation(settings, run_id, only=SUITE)


def only(failures: list[FailedExpectation]) -> FailedExpectation:
    assert len(failures) == 1, [failure.describe() for failure in failures]
    return failures[0]


@pytest.fixture(scope="module")
def clean_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, ValidationOutcome, ValidationOutcome]:
    """A clean build database validated twice, by two runs."""
    settings = make_home(tmp_path_factory.mktemp("validate"), clean_cases())
    first = run_validation(settings, "manual__2016-05-16T02:00:00+00:00", only=SUITE)
    second = run_validation(settings, "scheduled__2016-05-17T02:00:00+00:00", only=SUITE)
    return settings, first, second


@pytest.fixture(scope="module")
def late_receipt(tmp_path_factory: pytest.TempPathFactory) -> ValidationOutcome:
    cases = [*clean_cases(), Case("FR-0099", initial_receipt_date=dt.date(2016, 5, 2))]
    return validated(tmp_path_factory, cases, "late-receipt")


def test_clean_cases_pass(clean_home) -> None:
    settings, first, _ = clean_home
    assert first.success
    assert first.critical == []
    assert first.warnings == []
    assert first.evaluated == 8
    assert first.data_docs_index == settings.data_docs_dir / "index.html"
    assert first.data_docs_index.exists()
    assert "fct_pv_cases" in first.data_docs_index.read_text(encoding="utf-8")
    raise_for_critical(first)


def test_data_docs_are_published_under_reports_not_inside_the_gx_folder(clean_home) -> None:
    settings, _, _ = clean_home
    assert settings.data_docs_dir == settings.home_dir / "reports" / "data_docs"
    assert list(settings.gx_dir.rglob("index.html")) == []


def test_each_run_stays_in_the_data_docs(clean_home) -> None:
    settings, first, second = clean_home
    assert second.success
    runs = {path.name for path in (settings.data_docs_dir / "validations" / "fct_pv_cases").iterdir()}
    assert runs == {first.run_id, second.run_id}
    index = settings.data_docs_dir.joinpath("index.html").read_text(encoding="utf-8")
    assert "2016-05-16T02" in index
    assert "2016-05-17T02" in index


def test_the_build_database_is_released(clean_home) -> None:
    settings, _, _ = clean_home
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("create table marts.written_after_validation as select 1 as x")
        assert con.execute("select count(*) from marts.fct_pv_cases").fetchone() == (6,)


def test_a_case_received_after_the_query_window_is_critical(late_receipt) -> None:
    assert not late_receipt.success
    assert late_receipt.warnings == []
    failure = only(late_receipt.critical)
    assert failure.dataset == "marts.fct_pv_cases"
    assert failure.expectation == "expect_column_values_to_be_between"
    assert failure.column == "initial_receipt_date"
    assert failure.severity == "critical"
    assert "2003-01-01 and 2016-04-30" in failure.rule
    assert failure.observed == "1 of 6 rows checked break the rule (16.7%)"


def test_raise_for_critical_names_the_rule_and_the_report(late_receipt) -> None:
    with pytest.raises(ValidationFailed) as raised:
        raise_for_critical(late_receipt)
    message = str(raised.value)
    assert only(late_receipt.critical).rule in message
    assert "late-receipt" in message
    assert str(late_receipt.data_docs_index) in message
    assert "FR-0099" not in message


def test_a_duplicate_case_and_an_unknown_sex_code_fail_the_dbt_build_not_validation(tmp_path_factory) -> None:
    """The case key and the sex codes (read from the `landing_codes` var) are dbt tests at error severity: the
    transformation fails, so validation and publication never run. The suite does not check them again."""
    cases = [*clean_cases(), Case("FR-0003", case_version=2), Case("FR-0100", patient_sex="X")]
    settings = make_home(tmp_path_factory.mktemp("validate"), cases)
    outcome = run_validation(settings, "duplicate-and-sex-x", only=SUITE)
    assert outcome.success
    assert outcome.critical == []
    assert outcome.warnings == []
    run, failures = dbt_data_test_failures(settings.home_dir, "fct_pv_cases")
    assert run.returncode == 1
    assert failures == {
        ("unique", "fct_pv_cases", "case_id"): "fail",
        ("accepted_values", "fct_pv_cases", "patient_sex"): "fail",
    }
    # dbt tells the count of failing rows, never the values
    assert "FR-0003" not in run.stdout
    assert "'X'" not in run.stdout


def test_a_case_in_query_without_skin_term_is_critical_but_not_out_of_query(tmp_path_factory) -> None:
    outcome = validated(tmp_path_factory, [*clean_cases(), Case("FR-0101", has_skin_term=False)], "no-skin-term")
    assert only(outcome.critical).column == "has_skin_term"
    assert outcome.warnings == []


def test_an_age_outside_0_to_max_age_years_is_critical(tmp_path_factory) -> None:
    cases = [*clean_cases(), Case("FR-0102", patient_age_years=121), Case("FR-0103", patient_age_years=-1)]
    failure = only(validated(tmp_path_factory, cases, "implausible-age").critical)
    assert failure.column == "patient_age_years"
    assert failure.rule.startswith("The patient's age, when known, is between 0 and 120 years (max_age_years)")
    assert failure.observed == "2 of 7 rows checked break the rule (28.6%)"


def test_a_receipt_after_the_export_date_is_critical(tmp_path_factory) -> None:
    version_late = Case("FR-0104", initial_receipt_date=dt.date(2016, 5, 9), is_in_query=False)
    both_late = Case("FR-0105", initial_receipt_date=dt.date(2016, 5, 11), is_in_query=False)
    outcome = validated(tmp_path_factory, [*clean_cases(), version_late, both_late], "late-for-export")
    assert {(failure.rule, failure.observed) for failure in outcome.critical} == {
        (
            "No case was first received after the date of the export that holds it.",
            "1 of 8 rows checked break the rule (12.5%)",
        ),
        (
            "No case version was received after the date of the export that holds it.",
            "2 of 8 rows checked break the rule (25.0%)",
        ),
    }


def test_columns_are_read_in_the_types_gx_compares_without_a_python_call_per_row() -> None:
    """GX's pandas engine compares int64, float64 and nanosecond timestamps in one vectorised step."""
    con = duckdb.connect()
    frame = comparable_columns(
        con.sql(
            "select * from (values (1, 7, date '2016-04-30', 2.5, true, 'a'), (2, null, null, null, false, null)) "
            "as t(version, age, received, dose, serious, sex)"
        ).df()
    )
    assert {column: str(dtype) for column, dtype in frame.dtypes.items()} == {
        "version": "int64",
        "age": "float64",
        "received": "datetime64[ns]",
        "dose": "float64",
        "serious": "bool",
        "sex": str(con.sql("select 'a' as sex").df().dtypes["sex"]),
    }
    assert frame["age"].tolist()[0] == 7
    assert frame["received"].iloc[0] == day_bound(dt.date(2016, 4, 30))
    assert frame["received"].isna().tolist() == [False, True]


def test_importing_the_module_does_not_import_great_expectations() -> None:
    code = "import sys, pv_warehouse.validate.suites; assert 'great_expectations' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PROJECT_DIR)
