"""Expectations on `marts.dim_patients`: one row per patient of the newest hospital extract, pseudonymised.

Loaded by `pv_warehouse.validate.suites`; each expectation's `meta` says whether its failure stops publication
(`critical`) or is shown to the data steward (`warning`), and which rule it enforces. `QUERY` adds the
year of the newest hospital extraction (from the load's manifest): nobody is born after it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pv_warehouse.validate.suites import critical, warning

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

    from pv_warehouse.core.study import StudyParameters

DATASET = "marts.dim_patients"
QUERY = """
select
    patients.*,
    year(extraction.newest_extraction_date) as newest_extraction_year
from marts.dim_patients as patients
cross join (
    select max(snapshot_date) as newest_extraction_date
    from staging.stg_landing__snapshot_files
    where source = 'hospital'
) as extraction
"""


def build_suite(params: StudyParameters) -> list[Expectation]:
    """Keys, codes and the plausibility of what the dimension tells of each patient."""
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column, ComparisonCondition, Operator

    included = ComparisonCondition(column=Column("is_included"), operator=Operator.EQUAL, parameter=True)
    return [
        gxe.ExpectColumnValuesToNotBeNull(
            column="patient_key",
            meta=critical("Every patient has a pseudonymous key."),
        ),
        gxe.ExpectColumnValuesToBeUnique(
            column="patient_key",
            meta=critical("A patient appears once: the key is unique."),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="sex",
            value_set=params.landing_codes["sex"],
            meta=critical("Sex is one of the codes of the landing contract."),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="is_target_drug_patient",
            value_set=[True],
            row_condition=included,
            meta=critical(f"An included patient received {params.target_drug_name} ({params.target_atc})."),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="n_courses",
            min_value=1,
            row_condition=included,
            meta=critical("An included patient has at least one course of the drug under study."),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="first_reaction_latency_days",
            min_value=0,
            meta=critical("Latency, from course start to reaction onset, is never negative."),
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="newest_extraction_year",
            column_B="birth_year",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            meta=critical("No patient was born after the year of the newest hospital extraction."),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="birth_year",
            min_value=1900,
            max_value=params.study_end.year,
            meta=warning(f"The birth year is between 1900 and the end of the study ({params.study_end.year})."),
        ),
    ]
