"""Expectations on `marts.study_summary`: one row per figure the study reports.

`QUERY` recomputes each value from its numerator and denominator (a percentage with one decimal when
there is a denominator, the figure itself otherwise), so that a summary whose figures do not follow from
their own counts is caught before analysts quote it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pv_warehouse.validate.suites import between, critical, holds, not_above, rows_where

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
    """Every metric of the study, shares within their population, values recomputable (each metric once is a
    dbt test)."""
    import great_expectations.expectations as gxe

    is_share = rows_where("unit", "percent")
    return [
        gxe.ExpectColumnDistinctValuesToEqualSet(
            column="metric",
            value_set=METRICS,
            meta=critical("The summary carries every metric of the study rules, and no other."),
        ),
        not_above(
            "numerator",
            "denominator",
            critical("A share never counts more patients or cases than its population: numerator <= denominator."),
            where=is_share,
        ),
        between("value", critical("A percentage lies between 0 and 100."), low=0, high=100, where=is_share),
        holds(
            "is_value_recomputable",
            critical(
                "Each value can be recomputed from its own counts: 100 x numerator / denominator to one "
                "decimal when there is a denominator, else the numerator itself."
            ),
        ),
        between("numerator", critical("No count or mean is negative."), low=0),
    ]
