"""Expectations on `marts.fct_faers_reports`: one row per FAERS case after deduplication across quarters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pv_warehouse.validate.suites import between, critical, one_of, warning

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

    from pv_warehouse.core.study import StudyParameters

DATASET = "marts.fct_faers_reports"


def build_suite(params: StudyParameters) -> list[Expectation]:
    """Versions and quarters that read right (one kept version per case, its keys and the date precision
    codes are dbt tests), and FAERS's own codes and ages for the steward."""
    import great_expectations.expectations as gxe

    return [
        between("caseversion", critical("A case version is 1 or more."), low=1),
        gxe.ExpectColumnValuesToMatchRegex(
            column="quarter",
            regex=r"^20[0-9]{2}Q[1-4]$",
            meta=critical("The quarter that published a report reads like 2015Q1."),
        ),
        one_of("sex", ["F", "M", "UNK"], warning("Sex is F, M or UNK as FAERS codes it, or empty.")),
        between(
            "age_years",
            warning("An age, converted to years from its unit, is between 0 and 120."),
            low=0,
            high=120,
        ),
    ]
