"""Expectations on `quarantine.load_reconciliation`: every row read is accepted or held back, none lost.

Not published to analysts, but it guards what is: a file whose rows do not balance means rows were
dropped or duplicated between the raw load and the marts. This suite is the one place the reconciliation
is checked, so that its failure reaches the steward report in the words of the rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pv_warehouse.validate.suites import critical, holds

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

    from pv_warehouse.core.study import StudyParameters

DATASET = "quarantine.load_reconciliation"
# each row, a file the load audit did not record (no rows read) counted as not balanced, and how many of the
# rows are files of the newest hospital snapshot and national export (the other rows are the DEMO files of
# FAERS quarters, as many as quarters loaded)
QUERY = """
select
    * replace (coalesce(is_balanced, false) as is_balanced),
    count(*) filter (where not starts_with(raw_table, 'faers_')) over () as snapshot_files
from quarantine.load_reconciliation
"""


def build_suite(params: StudyParameters) -> list[Expectation]:
    """Each file of the newest snapshots, and each FAERS quarter's reports file, balances: rows read = rows
    accepted + rows quarantined."""
    import great_expectations.expectations as gxe

    return [
        holds(
            "is_balanced",
            critical(
                "For each file, the load audit recorded its rows read, and rows read at load = rows accepted + "
                "rows quarantined: no row is lost."
            ),
        ),
        gxe.ExpectColumnDistinctValuesToEqualSet(
            column="snapshot_files",
            value_set=[4],
            meta=critical(
                "The four files of the newest hospital snapshot and national export are reconciled (the other "
                "rows are the reports files of FAERS quarters)."
            ),
        ),
    ]
