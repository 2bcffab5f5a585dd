"""Expectations on `marts.fct_faers_reports`: one row per FAERS case after deduplication across quarters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pv_warehouse.validate.suites import critical, warning

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

    from pv_warehouse.core.study import StudyParameters

DATASET = "marts.fct_faers_reports"


def build_suite(params: StudyParameters) -> list[Expectation]:
    """One kept version per case, readable keys and dates that keep their precision."""
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToBeUnique(
            column="caseid",
            meta=critical("Each FAERS case appears once, at its latest version, across every loaded quarter."),
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="primaryid",
            meta=critical("Every kept report has its primaryid, the key its drugs and reactions link by."),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="caseversion",
            min_value=1,
            meta=critical("A case version is 1 or more."),
        ),
        gxe.ExpectColumnValuesToMatchRegex(
            column="quarter",
            regex=r"^20[0-9]{2}Q[1-4]$",
            meta=critical("The quarter that published a report reads like 2015Q1."),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="event_dt_precision",
            value_set=["day", "month", "year"],
            meta=critical("An event date says whether a day, a month or a year was reported."),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="sex",
            value_set=["F", "M", "UNK"],
            meta=warning("Sex is F, M or UNK as FAERS codes it, or empty."),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="age_years",
            min_value=0,
            max_value=120,
            meta=warning("An age, converted to years from its unit, is between 0 and 120."),
        ),
    ]
