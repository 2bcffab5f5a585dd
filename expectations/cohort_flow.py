"""Expectations on `marts.cohort_flow`: all patients of the drug under study, each exclusion, the included.

`QUERY` adds, on the last step, the courses that the first step less every exclusion leaves, so that a
flow that does not add up is caught.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pv_warehouse.validate.suites import between, critical, holds

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
    """Counts non-negative, and the included courses = all courses less the exclusions (the steps and their
    order are dbt tests of the model)."""
    return [
        between("n_patients", critical("No step counts a negative number of patients."), low=0),
        holds(
            "is_balanced",
            critical("The included courses are all courses of the drug less the courses each exclusion removes."),
        ),
    ]
