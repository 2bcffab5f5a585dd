"""Expectations on `marts.fct_treatment_courses`: one row per course of the drug under study.

The inclusion window and the short-course exclusion are the study's two selection rules: a course that
breaks either must never reach analysts, so both are critical. So are the plausibility rules of the
landing contract, checked again on what is published: `QUERY` adds the newest hospital extraction date
(the newest snapshot folder's name, from the load's manifest), which no course may start or end after.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pv_warehouse.validate.suites import critical, day_bound, warning

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
    """Window, minimum duration, plausible doses and dates, keys and codes of the treatment courses."""
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import (
        AndCondition,
        Column,
        ComparisonCondition,
        Operator,
    )

    included = ComparisonCondition(column=Column("is_included"), operator=Operator.EQUAL, parameter=True)
    excluded = ComparisonCondition(column=Column("is_included"), operator=Operator.EQUAL, parameter=False)
    not_stopped_for_reaction = ComparisonCondition(
        column=Column("is_stopped_for_cutaneous_reaction"), operator=Operator.EQUAL, parameter=False
    )
    window = f"{params.study_start.isoformat()} and {params.study_end.isoformat()}"
    return [
        gxe.ExpectColumnValuesToNotBeNull(
            column="course_key",
            meta=critical("Every course has a key."),
        ),
        gxe.ExpectColumnValuesToBeUnique(
            column="course_key",
            meta=critical("Each course appears once: the key is unique."),
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="patient_key",
            meta=critical("Every course belongs to a patient."),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="start_date",
            min_value=day_bound(params.study_start),
            max_value=day_bound(params.study_end),
            row_condition=included,
            meta=critical(
                f"Every included course starts between {window}, both days included "
                "(inclusion window study_start to study_end)."
            ),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="duration_days",
            min_value=params.min_course_days,
            row_condition=AndCondition(conditions=[included, not_stopped_for_reaction]),
            meta=critical(
                f"No included course lasts less than {params.min_course_days} days (min_course_days), "
                "unless it was stopped for a cutaneous reaction."
            ),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="dose_mg",
            min_value=0,
            strict_min=True,
            max_value=params.max_dose_mg,
            meta=critical(
                f"Every course's dose is above 0 mg and at most {params.max_dose_mg:g} mg (max_dose_mg): "
                "an implausible dose is quarantined, never published."
            ),
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="newest_extraction_date",
            column_B="start_date",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            meta=critical("No course starts after the newest hospital extraction date."),
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="newest_extraction_date",
            column_B="end_date",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            meta=critical(
                "No course ends after the newest hospital extraction date: a course still running, or written "
                "to end later (31/12/2099, 31/12/9999), ends at the extraction date."
            ),
        ),
        gxe.ExpectColumnValuesToBeNull(
            column="exclusion_reason",
            row_condition=included,
            meta=critical("An included course has no exclusion reason."),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="exclusion_reason",
            value_set=["outside_study_window", "short_course"],
            row_condition=excluded,
            meta=critical("An excluded course says why: outside_study_window or short_course."),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="indication_group",
            value_set=[*params.seed_values("indication_groups", "indication_group"), "unmapped"],
            meta=critical("The indication group is one of the mapping seed's groups, or unmapped."),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="indication_group",
            value_set=params.seed_values("indication_groups", "indication_group"),
            meta=warning("Every indication label is mapped to a group (add unmapped labels to the seed)."),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="age_at_start_years",
            min_value=0,
            max_value=120,
            meta=warning("The age at course start is between 0 and 120 years."),
        ),
    ]
