"""Expectations on `marts.study_summary`: one row per figure the study reports.

`QUERY` recomputes each value from its numerator and denominator (a percentage with one decimal when
there is a denominator, the figure itself otherwise), so that a summary whose figures do not follow from
their own counts is caught before analysts quote it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pv_warehouse.validate.suites import critical

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

    from pv_warehouse.core.study import StudyParameters

DATASET = "marts.study_summary"
QUERY = """
select
    *,
    coalesce(
        abs(
            value - case
                when denominator is null then numerator
                else round(100.0 * numerator / nullif(denominator, 0), 1)
            end
        ) < 0.05,
        value is null and denominator = 0
    ) as is_value_recomputable
from marts.study_summary
"""

METRICS = [
    "patients_included",
    "patients_with_skin_reaction",
    "patients_withdrawn_without_rechallenge",
    "mean_latency_days",
    "patients_with_recall_syndrome",
    "pv_cases",
    "pv_cases_withdrawn",
    "pv_cases_incl_injection_site_terms",
]


def build_suite(params: StudyParameters) -> list[Expectation]:
    """Every metric once, shares within their population, values recomputable."""
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column, ComparisonCondition, Operator

    is_share = ComparisonCondition(column=Column("unit"), operator=Operator.EQUAL, parameter="percent")
    return [
        gxe.ExpectColumnDistinctValuesToEqualSet(
            column="metric",
            value_set=METRICS,
            meta=critical("The summary carries every metric of the study rules, and no other."),
        ),
        gxe.ExpectColumnValuesToBeUnique(
            column="metric",
            meta=critical("Each metric appears once."),
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="denominator",
            column_B="numerator",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            row_condition=is_share,
            meta=critical("A share never counts more patients or cases than its population: numerator <= denominator."),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="value",
            min_value=0,
            max_value=100,
            row_condition=is_share,
            meta=critical("A percentage lies between 0 and 100."),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="is_value_recomputable",
            value_set=[True],
            meta=critical(
                "Each value can be recomputed from its own counts: 100 x numerator / denominator to one "
                "decimal when there is a denominator, else the numerator itself."
            ),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="numerator",
            min_value=0,
            meta=critical("No count or mean is negative."),
        ),
    ]
