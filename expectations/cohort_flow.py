"""Expectations on `marts.cohort_flow`: all patients of the drug under study, each exclusion, the included.

`QUERY` adds, on the last step, the courses that the first step less every exclusion leaves, so that a
flow that does not add up is caught.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pv_warehouse.validate.suites import critical

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

    from pv_warehouse.core.study import StudyParameters

DATASET = "marts.cohort_flow"
QUERY = """
select
    *,
    case
        when step = 'included' then
            n_courses = (
                sum(case when step_kind = 'population' and step <> 'included' then n_courses else 0 end) over ()
                - sum(case when step_kind = 'exclusion' then n_courses else 0 end) over ()
            )
    end as is_balanced
from marts.cohort_flow
"""


def build_suite(params: StudyParameters) -> list[Expectation]:
    """Steps in order, counts non-negative, and the included courses = all courses less the exclusions."""
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToBeInSet(
            column="step",
            value_set=[
                "all_target_drug_patients",
                "excluded_outside_study_window",
                "excluded_short_course",
                "included",
            ],
            meta=critical("The flow runs from all patients of the drug, through each exclusion, to the included."),
        ),
        gxe.ExpectColumnValuesToBeUnique(
            column="step_order",
            meta=critical("Each step of the flow has its own place."),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="n_patients",
            min_value=0,
            meta=critical("No step counts a negative number of patients."),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="is_balanced",
            value_set=[True],
            meta=critical("The included courses are all courses of the drug less the courses each exclusion removes."),
        ),
    ]
