"""Expectations on `marts.dim_patients`: one row per patient of the newest hospital extract, pseudonymised.

Loaded by `pv_warehouse.validate.suites`; each expectation's `meta` says whether its failure stops publication
(`critical`) or is shown to the data steward (`warning`), and which rule it enforces. `QUERY` adds the
year of the newest hospital extraction (from the load's manifest): nobody is born after it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pv_warehouse.validate.suites import between, critical, holds, not_above, rows_where, warning

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
    """The plausibility of what the dimension tells of each patient (its key and sex codes are dbt tests)."""
    included = rows_where("is_included", True)
    return [
        holds(
            "is_target_drug_patient",
            critical(f"An included patient received {params.target_drug_name} ({params.target_atc})."),
            where=included,
        ),
        between(
            "n_courses",
            critical("An included patient has at least one course of the drug under study."),
            low=1,
            where=included,
        ),
        between(
            "first_reaction_latency_days",
            critical("Latency, from course start to reaction onset, is never negative."),
            low=0,
        ),
        not_above(
            "birth_year",
            "newest_extraction_year",
            critical("No patient was born after the year of the newest hospital extraction."),
        ),
        between(
            "birth_year",
            warning(f"The birth year is between 1900 and the end of the study ({params.study_end.year})."),
            low=1900,
            high=params.study_end.year,
        ),
    ]
