"""CSV files written for people: every cell a spreadsheet would run as a formula is made plain text.

A CSV opened in a spreadsheet evaluates a cell that starts with `=`, `+`, `-` or `@` (and, in some, a
tab or a carriage return) as a formula: a field typed as `=HYPERLINK("http://...","details")` in the
medical software would become a live link on the steward's screen. Such a cell is written with a
single quote in front (`'=HYPERLINK(...)`), which spreadsheets show as text, as OWASP's guidance on CSV
injection says. Plain numbers stay numbers: an int, float or Decimal is written as it is, and so is a
string that is wholly a number in decimal notation (`-12.5`, `+3`, `1e-3`), which a spreadsheet reads as
that number and never as a formula. Anything else starting with one of those characters (`-1+2`,
`+1 `, `-inf`) is prefixed.

Only files meant for people go through here (the quarantined rows and the other steward CSVs,
`export-summary`, `sql --format csv`); Parquet and the DuckDB files keep every value as it is.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, TextIO

# what a spreadsheet may take as the start of a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# a number in plain decimal notation, sign and exponent allowed: read as a number, never as a formula
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def spreadsheet_safe(value: Any) -> Any:
    """`value` as a CSV cell no spreadsheet runs as a formula: prefixed with `'` when it could be one."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    text = value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return value


def write_rows(handle: TextIO, columns: Sequence[Any], rows: Iterable[Sequence[Any]]) -> int:
    """Write a header and rows as CSV (comma, minimal quoting, `\\n` line ends), every cell made safe.

    Returns the number of data rows written.
    """
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow([spreadsheet_safe(column) for column in columns])
    count = 0
    for row in rows:
        writer.writerow([spreadsheet_safe(value) for value in row])
        count += 1
    return count
