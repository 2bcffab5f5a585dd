"""Expectations on `marts.fct_pv_cases`: one row per national pharmacovigilance case, latest version.

A suite as code: `pv_warehouse.validate.suites` loads this file by path, calls `build_suite` with the study
parameters read from `dbt_project.yml`, and runs the expectations on the mart read from the build
database. Each expectation names, in `meta`, how serious a failure is (`critical` stops publication,
`warning` is reported to the data steward) and the study rule it enforces (docs/study-rules.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pv_warehouse.validate.suites import between, critical, day_bound, holds, not_above, rows_where

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

    from pv_warehouse.core.study import StudyParameters

DATASET = "marts.fct_pv_cases"


def build_suite(params: StudyParameters) -> list[Expectation]:
    """The expectations on the national cases mart, with the query window taken from the study parameters
    (the case key and the code lists are dbt tests)."""
    import great_expectations.expectations as gxe

    # rows the study query counts; a GX condition object, applied by the pandas engine as `is_in_query == True`
    in_query = rows_where("is_in_query", True)
    window = f"{params.pv_start.isoformat()} and {params.pv_end.isoformat()}"

    return [
        between("case_version", critical("A case version number is 1 or more."), low=1),
        not_above(
            "initial_receipt_date",
            "export_date",
            critical("No case was first received after the date of the export that holds it."),
        ),
        not_above(
            "version_receipt_date",
            "export_date",
            critical("No case version was received after the date of the export that holds it."),
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="initial_receipt_date",
            row_condition=in_query,
            meta=critical("A case counted by the study query has a date of initial receipt."),
        ),
        between(
            "initial_receipt_date",
            critical(
                f"A case counted by the study query was first received between {window}, "
                "both days included (query window pv_start to pv_end)."
            ),
            low=day_bound(params.pv_start),
            high=day_bound(params.pv_end),
            where=in_query,
        ),
        holds(
            "has_skin_term",
            critical(f"A case counted by the study query has a reaction term in '{params.pv_soc}'."),
            where=in_query,
        ),
        between("n_reaction_terms", critical("Every case reports at least one reaction term."), low=1),
        between(
            "patient_age_years",
            critical(
                f"The patient's age, when known, is between 0 and {params.max_age_years} years (max_age_years): "
                "an implausible age is quarantined, never published."
            ),
            low=0,
            high=params.max_age_years,
        ),
    ]
