"""What analysts run against the published warehouse: sandboxed SQL, and a shareable study summary.

`query` runs one statement in a sandbox: a read-only connection with external access disabled (no file
read or written, no other database attached, no extension installed or loaded) and its configuration
locked, so no `SET` can undo it. Those settings are given when the connection is opened, before any
statement runs; the published file itself is opened by DuckDB first. A refused statement gets a
sentence saying why, never a bare DuckDB error. Being read-only, a query can neither change the
published file nor block the nightly refresh, which replaces the file by a rename rather than writing
into it.

`disclose_summary` applies small-cell suppression before the study summary leaves the team: a count
from 1 to N-1 is suppressed, then, until nothing changes, any figure from which a suppressed count could
be worked out: the percentage of a suppressed numerator or denominator, the other part of a population
whose remainder is a small count (13 patients of whom 9 had a reaction tells that 4 had none), and a
mean taken over a suppressed number of patients.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pv_warehouse.core.settings import DuckDBConfig
from pv_warehouse.serve.csv_export import write_rows

# (metric whose count contains the other's, metric counted inside it): their difference is a count too
NESTED_COUNTS = [("pv_cases_incl_injection_site_terms", "pv_cases")]
# a mean and the metric whose numerator counts the patients it is taken over
MEAN_OVER = {"mean_latency_days": "patients_with_skin_reaction"}
FORMATS = ("table", "csv", "json")

# the sandbox of `pv-warehouse sql`, set when the connection opens; the lock comes last and holds them
SANDBOX_CONFIG: DuckDBConfig = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    "lock_configuration": True,
}
QUERIES = "SELECT, WITH, FROM, VALUES, SHOW, DESCRIBE, SUMMARIZE, EXPLAIN"
TABLES_HINT = 'Tables are marts.<table>: `pv-warehouse sql "show all tables"` lists them.'
# statement types (duckdb.StatementType names) run in the sandbox; any other is refused before it runs
RUNNABLE = {"SELECT", "EXPLAIN", "PRAGMA", "CALL"}
CHANGES_THE_WAREHOUSE = {
    "INSERT",
    "UPDATE",
    "DELETE",
    "CREATE",
    "CREATE_FUNC",
    "DROP",
    "ALTER",
    "MERGE_INTO",
    "VACUUM",
    "ANALYZE",
}
LOCKED = (
    "SET, RESET, USE and PRAGMA change the connection's settings, which are locked: `sql` runs every query "
    "with the same sandbox settings."
)
REFUSALS = {
    "COPY": "COPY reads or writes files: `sql` only reads the marts. To keep rows, print them with "
    "`--format csv` or `--format json` and redirect the output to a file.",
    "EXPORT": "EXPORT DATABASE writes files: `sql` only reads the marts. Every mart is already written as "
    "Parquet under the home's parquet/ folder.",
    "ATTACH": "ATTACH opens another database: `sql` reads the published marts only.",
    "DETACH": "DETACH closes a database: `sql` reads the published marts only.",
    "LOAD": "INSTALL and LOAD add DuckDB extensions: `sql` runs with the extensions built into DuckDB only.",
    "SET": LOCKED,
}
FILE_ACCESS = (
    "Reading files (read_csv, read_text, read_parquet, glob and the like) is switched off: `sql` reads the "
    "published marts only. The marts are also Parquet files under the home's parquet/ folder."
)


class QueryRefused(Exception):
    """A statement `sql` did not run, or that failed, with a sentence saying why and what to do."""


def query(db_path: Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one statement in the sandbox (see the module's docstring): its column names and rows.

    Raises QueryRefused with a sentence when the text holds no or several statements, when the statement
    would write, read a file, attach a database, add an extension or change a setting, and when DuckDB
    cannot parse or run it.
    """
    import duckdb

    try:
        con = duckdb.connect(str(db_path), read_only=True, config=SANDBOX_CONFIG)
    except duckdb.Error as error:
        raise QueryRefused(f"{db_path} could not be opened read-only: {error}") from None
    try:
        statement = _one_statement(con, sql)
        try:
            cursor = con.execute(statement)
            columns = [column[0] for column in cursor.description or []]
            return columns, cursor.fetchall()
        except duckdb.PermissionException:
            raise QueryRefused(FILE_ACCESS) from None
        except duckdb.InvalidInputException as error:
            if "configuration has been locked" in str(error):
                raise QueryRefused(LOCKED) from None
            if "read-only mode" in str(error):
                raise QueryRefused(_changes_the_warehouse()) from None
            raise QueryRefused(f"{error}\n{TABLES_HINT}") from None
        except duckdb.Error as error:
            raise QueryRefused(f"{error}\n{TABLES_HINT}") from None
    finally:
        con.close()


def _one_statement(con: Any, sql: str) -> str:
    """The text's single statement, if `sql` runs statements of its kind; else a refusal saying why."""
    import duckdb

    try:
        statements = con.extract_statements(sql)
    except duckdb.ParserException as error:
        raise QueryRefused(
            f"{error}\nThe statement does not parse: check the SQL where DuckDB points (spelling, commas, quotes, "
            f"parentheses). {TABLES_HINT}"
        ) from None
    if not statements:
        raise QueryRefused('The statement is empty: give one query, e.g. "select * from marts.study_summary".')
    if len(statements) > 1:
        raise QueryRefused(
            f"`sql` runs one statement per call, and this text holds {len(statements)}: run them one at a time."
        )
    kind = statements[0].type.name
    if kind in RUNNABLE:
        return sql
    if kind in REFUSALS:
        raise QueryRefused(REFUSALS[kind])
    if kind in CHANGES_THE_WAREHOUSE:
        raise QueryRefused(_changes_the_warehouse(kind))
    raise QueryRefused(f"`sql` runs queries only ({QUERIES}): a {kind} statement is refused.")


def _changes_the_warehouse(kind: str | None = None) -> str:
    what = f"A {kind} statement" if kind else "That statement"
    return (
        f"{what} would change the warehouse: `sql` opens the published file read-only and runs queries only "
        f"({QUERIES})."
    )


def render(columns: list[str], rows: list[tuple[Any, ...]], fmt: str) -> str:
    """Rows as CSV (cells a spreadsheet would run as formulas made text), JSON (a list of objects) or a
    text table."""
    if fmt == "csv":
        buffer = io.StringIO()
        write_rows(buffer, columns, rows)
        return buffer.getvalue()
    if fmt == "json":
        return json.dumps([dict(zip(columns, row, strict=True)) for row in rows], default=str, indent=2) + "\n"
    from rich.console import Console
    from rich.table import Table

    table = Table(*columns)
    for row in rows:
        table.add_row(*("" if value is None else str(value) for value in row))
    output = io.StringIO()
    console = Console(file=output, width=200, force_terminal=False)
    console.print(table)
    return output.getvalue()


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
            if line.denominator is not None and line.numerator is not None:
                changed |= small(line.denominator - line.numerator) and suppress(line, secondary)
        for outer, inner in NESTED_COUNTS:
            whole, part = lines.get(outer), lines.get(inner)
            if whole and part and whole.numerator is not None and part.numerator is not None:
                changed |= small(whole.numerator - part.numerator) and suppress(whole, secondary)
        for mean, over in MEAN_OVER.items():
            if mean in lines and over in lines and lines[over].numerator is None:
                changed |= suppress(lines[mean], thin_mean)
    return list(lines.values())


def write_summary_csv(lines: list[SummaryLine], out: Path) -> None:
    rows = [
        [
            line.metric,
            "" if line.numerator is None else f"{line.numerator:g}",
            "" if line.denominator is None else line.denominator,
            "" if line.value is None else f"{line.value:g}",
            line.unit,
            line.note,
        ]
        for line in lines
    ]
    with out.open("w", encoding="utf-8", newline="") as handle:
        write_rows(handle, ["metric", "numerator", "denominator", "value", "unit", "note"], rows)
