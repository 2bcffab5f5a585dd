"""What analysts run against the published warehouse: read-only SQL, and a shareable study summary.

Every connection here is read-only, so a query can neither change the published file nor block the
nightly refresh, which replaces the file by a rename rather than writing into it.

`disclose_summary` applies small-cell suppression before the study summary leaves the team: a count
from 1 to N-1 is suppressed, then, until nothing changes, any figure from which a suppressed count could
be worked out: the percentage of a suppressed numerator or denominator, the other part of a population
whose remainder is a small count (13 patients of whom 9 had a reaction tells that 4 had none), and a
mean taken over a suppressed number of patients.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# (metric whose count contains the other's, metric counted inside it): their difference is a count too
NESTED_COUNTS = [("pv_cases_incl_injection_site_terms", "pv_cases")]
# a mean and the metric whose numerator counts the patients it is taken over
MEAN_OVER = {"mean_latency_days": "patients_with_skin_reaction"}
FORMATS = ("table", "csv", "json")


def query(db_path: Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one statement on a read-only connection: its column names and rows."""
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as con:
        cursor = con.execute(sql)
        columns = [column[0] for column in cursor.description or []]
        return columns, cursor.fetchall()


def render(columns: list[str], rows: list[tuple[Any, ...]], fmt: str) -> str:
    """Rows as CSV, JSON (a list of objects) or a text table."""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        return buffer.getvalue()
    if fmt == "json":
        return json.dumps([dict(zip(columns, row, strict=True)) for row in rows], default=str, indent=2) + "\n"
    from rich.console import Console
    from rich.table import Table

    table = Table(*columns)
    for row in rows:
        table.add_row(*("" if value is None else str(value) for value in row))
    console = Console(file=io.StringIO(), width=200, force_terminal=False)
    console.print(table)
    return console.file.getvalue()


@dataclass
class SummaryLine:
    """One metric of the study summary as it may be shared: suppressed figures are None, with the reason."""

    metric: str
    numerator: float | None
    denominator: int | None
    value: float | None
    unit: str
    note: str = ""


def disclose_summary(rows: list[tuple[str, float, int | None, float, str]], min_cell: int) -> list[SummaryLine]:
    """The study summary with small counts, and whatever would reveal them, suppressed."""
    lines = {
        metric: SummaryLine(metric, numerator, denominator, value, unit)
        for metric, numerator, denominator, value, unit in rows
    }
    if min_cell <= 1:
        return list(lines.values())

    def small(count: float | None) -> bool:
        return count is not None and 1 <= count < min_cell

    def suppress(line: SummaryLine, reason: str) -> bool:
        changed = False
        if line.numerator is not None:
            line.numerator, line.value, changed = None, None, True
        if not line.note:
            line.note = reason
        return changed

    primary = f"count below {min_cell}"
    secondary = f"would reveal a count below {min_cell}"
    thin_mean = f"a mean over fewer than {min_cell} patients, or over a suppressed count"
    for line in lines.values():
        if line.unit != "days" and small(line.numerator):
            suppress(line, primary)
        if small(line.denominator):
            line.denominator = None
            suppress(line, primary)
    changed = True
    while changed:
        changed = False
        for line in lines.values():
            # the rest of a population: denominator - numerator is a count of its own
            if None not in (line.denominator, line.numerator):
                changed |= small(line.denominator - line.numerator) and suppress(line, secondary)
        for outer, inner in NESTED_COUNTS:
            whole, part = lines.get(outer), lines.get(inner)
            if whole and part and None not in (whole.numerator, part.numerator):
                changed |= small(whole.numerator - part.numerator) and suppress(whole, secondary)
        for mean, over in MEAN_OVER.items():
            if mean in lines and over in lines and lines[over].numerator is None:
                changed |= suppress(lines[mean], thin_mean)
    return list(lines.values())


def write_summary_csv(lines: list[SummaryLine], out: Path) -> None:
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["metric", "numerator", "denominator", "value", "unit", "note"])
        for line in lines:
            writer.writerow(
                [
                    line.metric,
                    "" if line.numerator is None else f"{line.numerator:g}",
                    "" if line.denominator is None else line.denominator,
                    "" if line.value is None else f"{line.value:g}",
                    line.unit,
                    line.note,
                ]
            )
