"""CSV files for people: a cell a spreadsheet would run as a formula is written as text, numbers stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from pv_warehouse.serve.csv_export import spreadsheet_safe, write_rows


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("=1+2", "'=1+2"),
        ("+1+2", "'+1+2"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-inf", "'-inf"),
        ("+1 ", "'+1 "),
        ("abc", "abc"),
        ("a=1", "a=1"),
        ("", ""),
        # a string that is wholly a number in decimal notation is read as that number, never as a formula
        ("-12.5", "-12.5"),
        ("+3", "+3"),
        ("-1e-3", "-1e-3"),
        (-3, -3),
        (-12.5, -12.5),
        (Decimal("-0.5"), Decimal("-0.5")),
        (None, None),
        (True, True),
    ],
)
def test_a_cell_that_could_be_a_formula_is_prefixed_with_a_quote(value: object, written: object) -> None:
    assert spreadsheet_safe(value) == written


def test_write_rows_makes_every_cell_and_the_header_safe() -> None:
    buffer = io.StringIO()
    count = write_rows(buffer, ["name", "=title"], [("=1+2", -3), ('=HYPERLINK("http://x","y")', "-2"), ("ok", None)])
    assert count == 3
    assert buffer.getvalue() == ('name,\'=title\n\'=1+2,-3\n"\'=HYPERLINK(""http://x"",""y"")",-2\nok,\n')
    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == [
        ["name", "'=title"],
        ["'=1+2", "-3"],
        ['\'=HYPERLINK("http://x","y")', "-2"],
        ["ok", ""],
    ]
