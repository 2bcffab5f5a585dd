"""The study summary, read from the published warehouse and printed as a table."""

from __future__ import annotations

from pathlib import Path

NATIONAL_FIGURES_SQL = """
select 'pv_cases' as metric, count(*) filter (where is_in_query) as numerator, null as denominator
from marts.fct_pv_cases
union all
select 'pv_cases_withdrawn', count(*) filter (where is_in_query and is_withdrawn), count(*) filter (where is_in_query)
from marts.fct_pv_cases
union all
select 'pv_cases_incl_injection_site_terms', count(*) filter (where is_in_query_incl_injection_site_terms), null
from marts.fct_pv_cases
"""


def summary_rows(db_path: Path) -> list[tuple[str, float | int | None, int | None, float | None]]:
    """(metric, numerator, denominator, value) rows: `marts.study_summary` when published, else national figures."""
    import duckdb

    con = duckdb.connect(str(db_path), read_only=True)
    try:
        tables = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        if "study_summary" in tables:
            rows = con.execute("select metric, numerator, denominator, value from marts.study_summary").fetchall()
        else:
            rows = [
                (
                    metric,
                    numerator,
                    denominator,
                    round(100 * numerator / denominator, 1) if denominator else numerator,
                )
                for metric, numerator, denominator in con.execute(NATIONAL_FIGURES_SQL).fetchall()
            ]
    finally:
        con.close()
    return rows


def table_counts(db_path: Path) -> list[tuple[str, int]]:
    import duckdb

    con = duckdb.connect(str(db_path), read_only=True)
    try:
        names = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        return [(name, con.execute(f'select count(*) from marts."{name}"').fetchone()[0]) for name in names]
    finally:
        con.close()


def print_summary(db_path: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Study summary", title_justify="left")
    table.add_column("metric")
    table.add_column("numerator", justify="right")
    table.add_column("denominator", justify="right")
    table.add_column("value", justify="right")
    for metric, numerator, denominator, value in summary_rows(db_path):
        shown = f"{value:.1f} %" if denominator else f"{value:g}" if value is not None else ""
        table.add_row(metric, _text(numerator), _text(denominator), shown)
    counts = Table(title="Published tables (schema marts)", title_justify="left")
    counts.add_column("table")
    counts.add_column("rows", justify="right")
    for name, rows in table_counts(db_path):
        counts.add_row(name, str(rows))
    console = Console()
    console.print(table)
    console.print(counts)


def _text(value: object) -> str:
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
