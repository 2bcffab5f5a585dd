"""Expectations on `marts.fct_pv_cases`: one row per national pharmacovigilance case, latest version.

A suite as code: `pv_warehouse.validate.suites` loads this file by path, calls `build_suite` with the study
parameters read from `dbt_project.yml`, and runs the expectations on the mart read from the build
database. Each expectation names, in `meta`, how serious a failure is (`critical` stops publication,
`warning` is reported to the data steward) and the study rule it enforces (docs/study-rules.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pv_warehouse.validate.suites import critical, day_bound, warning

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

    from pv_warehouse.core.study import StudyParameters

DATASET = "marts.fct_pv_cases"


def build_suite(params: StudyParameters) -> list[Expectation]:
    """The expectations on the national cases mart, with the query window taken from the study parameters."""
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column, ComparisonCondition, Operator

    # rows the study query counts; a GX condition object, applied by the pandas engine as `is_in_query == True`
    in_query = ComparisonCondition(column=Column("is_in_query"), operator=Operator.EQUAL, parameter=True)
    window = f"{params.pv_start.isoformat()} and {params.pv_end.isoformat()}"

    return [
        gxe.ExpectColumnValuesToNotBeNull(
            column="case_id",
            meta=critical("Every national case has a case number."),
        ),
        gxe.ExpectColumnValuesToBeUnique(
            column="case_id",
            meta=critical("Each national case appears once, in its latest version only."),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="case_version",
            min_value=1,
            meta=critical("A case version number is 1 or more."),
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="export_date",
            column_B="initial_receipt_date",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            meta=critical("No case was first received after the date of the export that holds it."),
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="export_date",
            column_B="version_receipt_date",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            meta=critical("No case version was received after the date of the export that holds it."),
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="initial_receipt_date",
            row_condition=in_query,
            meta=critical("A case counted by the study query has a date of initial receipt."),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="initial_receipt_date",
            min_value=day_bound(params.pv_start),
            max_value=day_bound(params.pv_end),
            row_condition=in_query,
            meta=critical(
                f"A case counted by the study query was first received between {window}, "
                "both days included (query window pv_start to pv_end)."
            ),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="has_skin_term",
            value_set=[True],
            row_condition=in_query,
            meta=critical(f"A case counted by the study query has a reaction term in '{params.pv_soc}'."),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="n_reaction_terms",
            min_value=1,
            meta=critical("Every case reports at least one reaction term."),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="reporter_type",
            value_set=params.landing_codes["reporter_type"],
            meta=critical("The reporter type is one of the codes of the landing contract."),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="patient_sex",
            value_set=["M", "F"],
            meta=warning("The patient's sex is M or F, or left empty when unknown."),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="patient_age_years",
            min_value=0,
            max_value=params.max_age_years,
            meta=critical(
                f"The patient's age, when known, is between 0 and {params.max_age_years} years (max_age_years): "
                "an implausible age is quarantined, never published."
            ),
        ),
    ]
