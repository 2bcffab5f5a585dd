"""The demo generators' vocabularies and weights: the CSV files of `data/`, read as package data.

Each file is one table with a header row (data/README.md lists them and what reads them). Rows keep the
file's order, which the generators' draws depend on; a `weight` column is read as a number.
"""

from __future__ import annotations

import csv
import io
from importlib.resources import files


def read_rows(name: str) -> tuple[dict[str, str], ...]:
    """The rows of the data file `name` (`faers_countries.csv`), each {column: text}, in the file's order."""
    text = (files("pv_warehouse.demo") / "data" / name).read_text(encoding="utf-8")
    return tuple(csv.DictReader(io.StringIO(text, newline="")))


def read_column(name: str, column: str) -> tuple[str, ...]:
    """One column of a data file, in the file's order."""
    return tuple(row[column] for row in read_rows(name))


def read_weights(name: str, column: str) -> tuple[tuple[str, float], ...]:
    """(value, weight) of each row of a data file with a `weight` column, the weight as a number."""
    return tuple((row[column], float(row["weight"])) for row in read_rows(name))
