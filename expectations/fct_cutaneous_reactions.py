"""Expectations on `marts.fct_cutaneous_reactions`: one row per skin reaction attributed to a course.

`QUERY` adds the Naranjo category the score calls for (Naranjo et al. 1981: 9 or more definite, 5 to 8
probable, 1 to 4 possible, 0 or less doubtful), written here independently of the dbt macro, so that a
mart whose category does not follow from its score is caught. It also adds the newest hospital extraction
date (from the load's manifest) and the days from the reaction's course start to it: no onset may be after
that date, so no latency may exceed that span.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pv_warehouse.validate.suites import between, critical, holds, not_above, rows_where, seed_mapping, warning

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
    """Naranjo scores and categories, latency and the mapping of the reactions (keys, links to the courses and
    code lists are dbt tests)."""
    import great_expectations.expectations as gxe

    return [
        between("latency_days", critical("Latency, from course start to reaction onset, is never negative."), low=0),
        not_above(
            "onset_date",
            "newest_extraction_date",
            critical("No reaction began after the newest hospital extraction date."),
        ),
        not_above(
            "latency_days",
            "days_from_course_start_to_extraction",
            critical(
                "No latency is longer than the days from its course's start to the newest extraction date: "
                "a course never runs past the extraction."
            ),
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="latency_days",
            row_condition=rows_where("is_in_cohort", True),
            meta=critical("Every reaction of the cohort has a latency, as the mean latency counts them all."),
        ),
        between(
            "naranjo_score",
            critical("A Naranjo score lies between -4 and 13, the bounds of the ten-item scale."),
            low=-4,
            high=13,
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
        *seed_mapping(params, "reaction_category", "reaction_categories", what="reaction category", label="reaction"),
        holds(
            "has_naranjo_disagreement",
            warning("The Naranjo total written in the file matches the score of the answered items."),
            value=False,
        ),
    ]
