"""Expectations on `marts.faers_signals`: the disproportionality of each (drug, reaction term) pair in FAERS.

The suite reads the mart with one more column, `n` = a + b + c + d, the number of cases the 2x2 tables are
drawn from, which is one figure for the whole run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pv_warehouse.validate.suites import between, critical, not_above

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

    from pv_warehouse.core.study import StudyParameters

DATASET = "marts.faers_signals"
QUERY = "select *, a + b + c + d as n from marts.faers_signals"


def build_suite(params: StudyParameters) -> list[Expectation]:
    """Counts that make a 2x2 table, one universe of cases per run, and statistics inside their intervals
    (one row per pair is a dbt test)."""
    import great_expectations.expectations as gxe

    counts = [
        between(column, critical(f"{meaning} is a count of cases: {minimum} or more."), low=minimum)
        for column, minimum, meaning in (
            ("a", 1, "a (cases with the drug and the term; a pair is listed only when reported together)"),
            ("b", 0, "b (cases with the drug without the term)"),
            ("c", 0, "c (cases with the term without the drug)"),
            ("d", 0, "d (cases with neither)"),
        )
    ]
    intervals = [
        not_above(lower, upper, critical(f"{upper} is not below {lower}: {rule}."))
        for upper, lower, rule in (
            ("ror", "ror_lower", "the ROR lies inside its 95% interval"),
            ("ror_upper", "ror", "the ROR lies inside its 95% interval"),
            ("prr", "prr_lower", "the PRR lies inside its 95% interval"),
            ("prr_upper", "prr", "the PRR lies inside its 95% interval"),
            ("ic", "ic025", "the IC is above its lower 2.5% credibility bound"),
            ("ebgm", "eb05", "the EBGM lies inside its 5%-95% posterior interval"),
            ("eb95", "ebgm", "the EBGM lies inside its 5%-95% posterior interval"),
        )
    ]
    return [
        *counts,
        gxe.ExpectColumnUniqueValueCountToBeBetween(
            column="n",
            min_value=0,
            max_value=1,
            meta=critical(
                "a + b + c + d is the same on every row: every pair is counted among the same cases (those with "
                "a suspect drug and a reaction term)."
            ),
        ),
        *intervals,
        between("chi2", critical("The chi-square is not negative."), low=0),
    ]
