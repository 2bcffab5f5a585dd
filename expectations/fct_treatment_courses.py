"""Expectations on `marts.fct_treatment_courses`: one row per course of the drug under study.

The inclusion window and the short-course exclusion are the study's two selection rules: a course that
breaks either must never reach analysts, so both are critical. So are the plausibility rules of the
landing contract, checked again on what is published: `QUERY` adds the newest hospital extraction date
(the newest snapshot folder's name, from the load's manifest), which no course may start or end after.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pv_warehouse.validate.suites import between, critical, day_bound, not_above, rows_where, seed_mapping, warning

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

    from pv_warehouse.core.study import StudyParameters

DATASET = "marts.fct_treatment_courses"
QUERY = """
select
    courses.*,
    extraction.newest_extraction_date
from marts.fct_treatment_courses as courses
cross join (
    select max(snapshot_date) as newest_extraction_date
    from staging.stg_landing__snapshot_files
    where source = 'hospital'
) as extraction
"""


def build_suite(params: StudyParameters) -> list[Expectation]:
    """Window, minimum duration, plausible doses and dates and the mapping of the treatment courses (keys, the
    link to the patient and the exclusion codes are dbt tests)."""
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import AndCondition

    included = rows_where("is_included", True)
    window = f"{params.study_start.isoformat()} and {params.study_end.isoformat()}"
    return [
        between(
            "start_date",
            critical(
                f"Every included course starts between {window}, both days included "
                "(inclusion window study_start to study_end)."
            ),
            low=day_bound(params.study_start),
            high=day_bound(params.study_end),
            where=included,
        ),
        between(
            "duration_days",
            critical(
                f"No included course lasts less than {params.min_course_days} days (min_course_days), "
                "unless it was stopped for a cutaneous reaction."
            ),
            low=params.min_course_days,
            where=AndCondition(conditions=[included, rows_where("is_stopped_for_cutaneous_reaction", False)]),
        ),
        between(
            "dose_mg",
            critical(
                f"Every course's dose is above 0 mg and at most {params.max_dose_mg:g} mg (max_dose_mg): "
                "an implausible dose is quarantined, never published."
            ),
            low=0,
            above_low=True,
            high=params.max_dose_mg,
        ),
        not_above(
            "start_date",
            "newest_extraction_date",
            critical("No course starts after the newest hospital extraction date."),
        ),
        not_above(
            "end_date",
            "newest_extraction_date",
            critical(
                "No course ends after the newest hospital extraction date: a course still running, or written "
                "to end later (31/12/2099, 31/12/9999), ends at the extraction date."
            ),
        ),
        gxe.ExpectColumnValuesToBeNull(
            column="exclusion_reason",
            row_condition=included,
            meta=critical("An included course has no exclusion reason."),
        ),
        *seed_mapping(params, "indication_group", "indication_groups", what="indication group", label="indication"),
        between(
            "age_at_start_years",
            warning("The age at course start is between 0 and 120 years."),
            low=0,
            high=120,
        ),
    ]
