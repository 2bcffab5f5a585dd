"""Expectations on `marts.fct_cutaneous_reactions`: one row per skin reaction attributed to a course.

`QUERY` adds the Naranjo category the score calls for (Naranjo et al. 1981: 9 or more definite, 5 to 8
probable, 1 to 4 possible, 0 or less doubtful), written here independently of the dbt macro, so that a
mart whose category does not follow from its score is caught. It also adds the newest hospital extraction
date (from the load's manifest) and the days from the reaction's course start to it: no onset may be after
that date, so no latency may exceed that span.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pv_warehouse.validate.suites import critical, warning

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

    from pv_warehouse.core.study import StudyParameters

DATASET = "marts.fct_cutaneous_reactions"
QUERY = """
select
    reactions.*,
    case
        when reactions.naranjo_score >= 9 then 'definite'
        when reactions.naranjo_score between 5 and 8 then 'probable'
        when reactions.naranjo_score between 1 and 4 then 'possible'
        when reactions.naranjo_score <= 0 then 'doubtful'
    end as naranjo_category_from_score,
    extraction.newest_extraction_date,
    extraction.newest_extraction_date - courses.course_start_date as days_from_course_start_to_extraction
from marts.fct_cutaneous_reactions as reactions
left join (
    select
        course_key,
        min(start_date) as course_start_date
    from marts.fct_treatment_courses
    group by course_key
) as courses
    on reactions.course_key = courses.course_key
cross join (
    select max(snapshot_date) as newest_extraction_date
    from staging.stg_landing__snapshot_files
    where source = 'hospital'
) as extraction
"""


def build_suite(params: StudyParameters) -> list[Expectation]:
    """Keys, Naranjo scores and categories, latency and codes of the reactions."""
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column, ComparisonCondition, Operator

    in_cohort = ComparisonCondition(column=Column("is_in_cohort"), operator=Operator.EQUAL, parameter=True)
    return [
        gxe.ExpectColumnValuesToNotBeNull(
            column="reaction_key",
            meta=critical("Every reaction has a key."),
        ),
        gxe.ExpectColumnValuesToBeUnique(
            column="reaction_key",
            meta=critical("Each reaction appears once: the key is unique."),
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="course_key",
            meta=critical("Every reaction is attributed to a course of the drug under study."),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="attribution_method",
            value_set=["treatment_id", "onset_date"],
            meta=critical("A reaction is attributed by its treatment id or by its onset date, nothing else."),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="latency_days",
            min_value=0,
            meta=critical("Latency, from course start to reaction onset, is never negative."),
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="newest_extraction_date",
            column_B="onset_date",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            meta=critical("No reaction began after the newest hospital extraction date."),
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="days_from_course_start_to_extraction",
            column_B="latency_days",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            meta=critical(
                "No latency is longer than the days from its course's start to the newest extraction date: "
                "a course never runs past the extraction."
            ),
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="latency_days",
            row_condition=in_cohort,
            meta=critical("Every reaction of the cohort has a latency, as the mean latency counts them all."),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="naranjo_score",
            min_value=-4,
            max_value=13,
            meta=critical("A Naranjo score lies between -4 and 13, the bounds of the ten-item scale."),
        ),
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="naranjo_category",
            column_B="naranjo_category_from_score",
            ignore_row_if="either_value_is_missing",
            meta=critical(
                "The Naranjo category follows from the score: 9+ definite, 5-8 probable, 1-4 possible, "
                "0 or less doubtful."
            ),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="naranjo_score_source",
            value_set=["items", "file_total"],
            meta=critical("The Naranjo score comes from the answered items, or from the file's total when none is."),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="severity",
            value_set=params.landing_codes["severity"],
            meta=critical("Severity is one of the codes of the landing contract."),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="localisation",
            value_set=params.landing_codes["localisation"],
            meta=critical("Localisation is one of the codes of the landing contract."),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="reaction_category",
            value_set=[*params.seed_values("reaction_categories", "reaction_category"), "unmapped"],
            meta=critical("The reaction category is one of the mapping seed's categories, or unmapped."),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="reaction_category",
            value_set=params.seed_values("reaction_categories", "reaction_category"),
            meta=warning("Every reaction label is mapped to a category (add unmapped labels to the seed)."),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="has_naranjo_disagreement",
            value_set=[False],
            meta=warning("The Naranjo total written in the file matches the score of the answered items."),
        ),
    ]
