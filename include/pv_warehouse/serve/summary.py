"""The study summary, read from the published warehouse and printed as a table."""

from __future__ import annotations

from pathlib import Path

from pv_warehouse.core.build_db import one_value

UNIT_SUFFIX = {"percent": " %", "days": " days"}


def summary_rows(db_path: Path) -> list[tuple[str, float, int | None, float, str]]:
    """(metric, numerator, denominator, value, unit) rows of `marts.study_summary`, in the study's order."""
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(
            "select metric, numerator, denominator, value, unit from marts.study_summary order by metric_order"
        ).fetchall()


def table_counts(db_path: Path) -> list[tuple[str, int]]:
    """Rows of every published table."""
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as con:
        names = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        return [(name, one_value(con, f'select count(*) from marts."{name}"')) for name in names]


def print_summary(db_path: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Study summary", title_justify="left")
    for column in ("metric", "numerator", "denominator", "value"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for metric, numerator, denominator, value, unit in summary_rows(db_path):
        table.add_row(
            metric,
            f"{numerator:g}",
            "" if denominator is None else str(denominator),
            f"{value:.1f}{UNIT_SUFFIX[unit]}" if unit in UNIT_SUFFIX else f"{value:g}",
        )
    counts = Table(title="Published tables (schema marts)", title_justify="left")
    counts.add_column("table")
    counts.add_column("rows", justify="right")
    for name, rows in table_counts(db_path):
        counts.add_row(name, str(rows))
    console = Console()
    console.print(table)
    console.print(counts)
