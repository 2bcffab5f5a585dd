"""FAERS quarters in the landing: `faers/<YYYY>q<N>/` holding the FDA's zip, or the folder it extracts to.

The FDA publishes each quarter as `$`-delimited text files without quoting (DEMO, DRUG, REAC, OUTC, RPSR, THER,
INDI), in `ascii/` or `ascii2/`, upper- or lower-case names, some files ending every line with one more `$`.
A quarter is accepted whole or refused whole, like a hospital snapshot; quarters before 2012Q4 are in the older
LAERS layout and are refused.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path, PurePosixPath

from pv_warehouse.ingest.contract import FAERS, DeliveredFile, Inspection, LandingError, LandingFile, Snapshot
from pv_warehouse.ingest.files import (
    UnitSeparatorGuard,
    UnquotedFormat,
    check_columns,
    checked_header,
    unquoted_encoding,
)

QUARTER_FOLDER = re.compile(r"(\d{4})q([1-4])", re.IGNORECASE)
TABLE_FILE = re.compile(r"(demo|drug|reac|outc|rpsr|ther|indi)(\d{2})q([1-4])\.txt", re.IGNORECASE)
DELETED_FOLDER = "deleted"
FIRST_FAERS_QUARTER = (2012, 4)
SPECS = {spec.raw_table.removeprefix("faers_"): spec for spec in FAERS.files}
HEAD_BYTES = 1 << 16
FAERS_FILES = UnquotedFormat("FAERS text files", "Deliver the quarter again as the FDA publishes it.")


def quarter_start(year: int, quarter: int) -> dt.date:
    """The date a quarter's snapshot carries in raw: its first day (2015Q2 -> 2015-04-01)."""
    return dt.date(year, 3 * quarter - 2, 1)


def discover_quarters(landing_dir: Path) -> list[Snapshot]:
    """Every `faers/<YYYY>q<N>/` folder of the landing, oldest first; refuses folders that break the layout."""
    faers_dir = landing_dir / FAERS.name
    if not faers_dir.is_dir():
        return []
    return [_quarter(landing_dir, folder) for folder in sorted(p for p in faers_dir.iterdir() if p.is_dir())]


def _quarter(landing_dir: Path, folder: Path) -> Snapshot:
    relative_folder = folder.relative_to(landing_dir).as_posix()
    match = QUARTER_FOLDER.fullmatch(folder.name)
    if not match:
        raise LandingError(
            f"{relative_folder}/: a FAERS folder must be named by its quarter as YYYYqN (e.g. 2015q1). "
            "Rename it, or move it out of the landing folder."
        )
    year, quarter = int(match.group(1)), int(match.group(2))
    if (year, quarter) < FIRST_FAERS_QUARTER:
        raise LandingError(
            f"{relative_folder}/: reports before 2012Q4 are published in the older LAERS layout (isr, case), "
            "which this warehouse does not read. Remove the folder; load FAERS quarters from 2012q4 on."
        )
    zips = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() == ".zip")
    texts = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() == ".txt")
    if len(zips) > 1:
        raise LandingError(
            f"{relative_folder}/: {len(zips)} zip files ({', '.join(p.name for p in zips)}). A quarter is one zip "
            "as the FDA publishes it; keep one."
        )
    if zips and texts:
        raise LandingError(
            f"{relative_folder}/: holds both {zips[0].name} and extracted .txt files. Deliver the zip or its "
            "extracted folder, not both."
        )
    if zips:
        with zipfile.ZipFile(zips[0]) as archive:
            names = [info.filename for info in archive.infolist() if not info.is_dir()]
        located: list[tuple[str, Path, str | None]] = [(name, zips[0], name) for name in names]
    else:
        located = [(path.relative_to(folder).as_posix(), path, None) for path in texts]
    files: dict[str, DeliveredFile] = {}
    for name, path, member in located:
        spec = _spec_of(relative_folder, name, year, quarter)
        if spec is None:
            continue
        shown = f"{relative_folder}/{path.name}!{member}" if member else f"{relative_folder}/{name}"
        if spec.raw_table in files:
            raise LandingError(
                f"{shown}: a second {spec.raw_table.removeprefix('faers_').upper()} file in the quarter (the first "
                f"is {files[spec.raw_table].relative_path}). Keep one."
            )
        files[spec.raw_table] = DeliveredFile(spec, path, shown, member)
    if SPECS["demo"].raw_table not in files:
        raise LandingError(
            f"{relative_folder}/: no DEMO{year % 100:02d}Q{quarter}.txt found. A FAERS quarter needs its DEMO "
            "table (the reports); the other tables are read when present. Deliver the quarter's zip as published."
        )
    ordered = tuple(files[spec.raw_table] for spec in FAERS.files if spec.raw_table in files)
    return Snapshot(FAERS, quarter_start(year, quarter), folder, ordered)


def _spec_of(relative_folder: str, name: str, year: int, quarter: int) -> LandingFile | None:
    """The table a file of a quarter holds, from its name; None for files that are not tables (readme, pdf)."""
    path = PurePosixPath(name)
    if path.suffix.lower() != ".txt":
        return None
    if any(part.lower() == DELETED_FOLDER for part in path.parts[:-1]):
        return SPECS["deleted_cases"]
    match = TABLE_FILE.fullmatch(path.name)
    if not match:
        return None
    table, file_year, file_quarter = match.group(1).lower(), int(match.group(2)), int(match.group(3))
    if (file_year, file_quarter) != (year % 100, quarter):
        raise LandingError(
            f"{relative_folder}/{name}: the file belongs to quarter 20{file_year:02d}Q{file_quarter}, not to the "
            f"folder's {year}Q{quarter}. Move it to faers/20{file_year:02d}q{file_quarter}/."
        )
    return SPECS[table]


def inspect_faers_file(delivered: DeliveredFile) -> Inspection:
    """Fingerprint a FAERS table file and check its encoding, header and first row's `$` count."""
    size, _ = delivered.signature()
    if size == 0:
        raise LandingError(f"{delivered.relative_path}: the file is empty (0 bytes). Deliver the quarter again.")
    digest = UnitSeparatorGuard(delivered, FAERS_FILES)
    encoding = unquoted_encoding(delivered, digest, FAERS_FILES)
    sha256 = digest.hexdigest()
    with delivered.open() as handle:
        head = handle.read(HEAD_BYTES).decode(encoding, errors="replace")
    lines = [line.rstrip("\r") for line in head.split("\n")[:2]]
    first = lines[0].split("$")
    if not delivered.spec.header:
        # a list of case ids, with or without a header line
        trailing = len(first) == 2 and first[1] == ""
        return Inspection(sha256, size, encoding, False, delivered.spec.required_columns, trailing)
    header = first[:-1] if first[-1] == "" and len(first) > 1 else first
    has_row = len(lines) > 1 and lines[1] != ""
    columns = checked_header(delivered, header, has_row)
    if delivered.spec.raw_table == SPECS["demo"].raw_table and "isr" in columns and "primaryid" not in columns:
        raise LandingError(
            f"{delivered.relative_path}: the header has isr and no primaryid: this is the older LAERS layout "
            "(reports before 2012Q4), which this warehouse does not read. Remove the quarter."
        )
    check_columns(delivered, columns)
    fields = len(lines[1].split("$")) if has_row else len(columns)
    return Inspection(sha256, size, encoding, False, columns, fields == len(columns) + 1)


__all__ = ["discover_quarters", "inspect_faers_file", "quarter_start"]
