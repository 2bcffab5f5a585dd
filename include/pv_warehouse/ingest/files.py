"""Reading a delivered file: its fingerprint, encoding, header and columns, and the conversions the load
makes (Excel to CSV, cp1252 to UTF-8). Every refusal names the file, the row or column, and what to do."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from pv_warehouse.ingest.contract import CHUNK_BYTES, NEWLINE, DeliveredFile, LandingError


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def detect_encoding(delivered: DeliveredFile, digest: Digest) -> tuple[str, bool]:
    """The first of the file's encodings it decodes in, and whether it starts with a UTF-8 BOM; the read that
    checks the first encoding also feeds `digest`, so a file is fingerprinted without a read of its own."""
    with delivered.path.open("rb") as handle:
        has_bom = handle.read(3) == codecs.BOM_UTF8
    failures = []
    for number, encoding in enumerate(delivered.spec.encodings):
        position = first_undecodable_in(lambda: delivered.path.open("rb"), encoding, digest if number == 0 else None)
        if position is None:
            return encoding, has_bom and encoding == "utf-8"
        failures.append(f"{_encoding_label(encoding)} fails at {position}")
    raise LandingError(
        f"{delivered.relative_path}: the file decodes in neither "
        f"{' nor '.join(_encoding_label(e) for e in delivered.spec.encodings)} ({'; '.join(failures)}). "
        "Export it again as UTF-8 or Windows-1252 text; a binary or truncated file cannot be loaded."
    )


def _encoding_label(encoding: str) -> str:
    return {"utf-8": "UTF-8", "cp1252": "Windows-1252"}.get(encoding, encoding)


def decodes(path: Path, encoding: str) -> bool:
    """True when the whole file decodes in `encoding`."""
    return first_undecodable(path, encoding) is None


def first_undecodable(path: Path, encoding: str) -> str | None:
    """Where the file stops decoding in `encoding` ("line L, byte B"), or None when it decodes."""
    return first_undecodable_in(lambda: path.open("rb"), encoding)


class Digest(Protocol):
    """What `first_undecodable_in` feeds the bytes it reads to: a hashlib object, or one that checks them too."""

    def update(self, data: bytes, /) -> None: ...


Opener = Callable[[], AbstractContextManager[IO[bytes]]]


def first_undecodable_in(opener: Opener, encoding: str, digest: Digest | None = None) -> str | None:
    """`first_undecodable` of the bytes `opener` gives (a file, a zip member), read once to their end; every
    byte read also goes to `digest` when one is given, even past the first byte that does not decode. The
    line of a bad byte is counted only when there is one, by reading the bytes before it again."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    bad: int | None = None
    what = ""
    with opener() as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            if digest is not None:
                digest.update(chunk)
            if bad is not None:
                continue
            if b"\x00" in chunk:
                bad, what = offset + chunk.index(b"\x00"), " (a NUL byte)"
            else:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as error:
                    bad = offset + error.start
            if bad is not None and digest is None:
                break
            offset += len(chunk)
    if bad is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            bad, what = offset, " (the file ends inside a character)"
    if bad is None:
        return None
    return f"line {_line_at(opener, bad)}, byte {bad}{what}"


UNIT_SEPARATOR = b"\x1f"


@dataclass(frozen=True)
class UnquotedFormat:
    """What the refusals of a `$`-delimited format without quoting say: the files' name ("FAERS text files")
    and what to do about a damaged one."""

    files: str
    redeliver: str


class UnitSeparatorGuard:
    """A sha256 of the bytes it is fed that refuses the file at the first byte 0x1F: the loader's marker of a
    missing field is made of it, and the unquoted formats (FAERS, MedDRA) never hold one."""

    def __init__(self, delivered: DeliveredFile, unquoted: UnquotedFormat) -> None:
        self.delivered = delivered
        self.unquoted = unquoted
        self.digest = hashlib.sha256()
        self.offset = 0

    def update(self, chunk: bytes) -> None:
        if UNIT_SEPARATOR in chunk:
            raise LandingError(
                f"{self.delivered.relative_path}: a control character 0x1F at byte "
                f"{self.offset + chunk.index(UNIT_SEPARATOR)}: {self.unquoted.files} never hold one, so the file "
                f"is damaged. {self.unquoted.redeliver}"
            )
        self.digest.update(chunk)
        self.offset += len(chunk)

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


def unquoted_encoding(delivered: DeliveredFile, digest: UnitSeparatorGuard, unquoted: UnquotedFormat) -> str:
    """The first of the file's encodings it decodes in; the read that checks the first one also feeds `digest`."""
    for number, encoding in enumerate(delivered.spec.encodings):
        position = first_undecodable_in(delivered.open, encoding, digest if number == 0 else None)
        if position is None:
            return encoding
        if "NUL" in position:
            raise LandingError(
                f"{delivered.relative_path}: a NUL byte at {position}: the file is binary or truncated. "
                f"{unquoted.redeliver}"
            )
    raise LandingError(f"{delivered.relative_path}: the file decodes in no encoding {unquoted.files} use.")


def _line_at(opener: Opener, offset: int) -> int:
    """The line (from 1) holding the byte at `offset`."""
    line, done = 1, 0
    with opener() as handle:
        while done < offset:
            chunk = handle.read(min(CHUNK_BYTES, offset - done))
            if not chunk:
                break
            line += chunk.count(NEWLINE)
            done += len(chunk)
    return line


def normalise_column(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower()


def csv_header(delivered: DeliveredFile, encoding: str) -> tuple[str, ...]:
    with delivered.path.open(encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="") as text:
        header = next(csv.reader(text, delimiter=";", quotechar='"'), None)
        has_row = next(csv.reader(text, delimiter=";", quotechar='"'), None) is not None
    if header is not None and len(header) == 1 and len(header[0].split(",")) > 1:
        raise LandingError(
            f"{delivered.relative_path} is separated by ',': the contract's separator is ';' "
            "(export the file again with ';')"
        )
    return checked_header(delivered, header, has_row)


def excel_header(delivered: DeliveredFile) -> tuple[str, ...]:
    rows = iter_excel_rows(delivered.path)
    header = next(rows, None)
    has_row = next(rows, None) is not None
    return checked_header(delivered, header, has_row)


def checked_header(delivered: DeliveredFile, header: list[str] | None, has_row: bool) -> tuple[str, ...]:
    if not header or not any(cell.strip() for cell in header):
        raise LandingError(
            f"{delivered.relative_path}: the file has no header row. Export it again with the column names "
            "on the first line."
        )
    columns = tuple(normalise_column(cell) for cell in header)
    if not has_row:
        raise LandingError(
            f"{delivered.relative_path}: the file has a header but no data row. An empty extract would wipe "
            "the warehouse; export it again."
        )
    seen: set[str] = set()
    for position, column in enumerate(columns, start=1):
        if not column:
            raise LandingError(
                f"{delivered.relative_path}: column {position} of the header has no name. Name it or remove it."
            )
        if column in seen:
            raise LandingError(f"{delivered.relative_path}: column '{column}' appears twice in the header. Keep one.")
        seen.add(column)
    return columns


def check_columns(delivered: DeliveredFile, columns: tuple[str, ...]) -> None:
    missing = [column for column in delivered.spec.required_columns if column not in columns]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise LandingError(
            f"{delivered.relative_path}: required column{plural} {', '.join(repr(c) for c in missing)} "
            f"missing from the header. The file has: {', '.join(columns)}. Add the column{plural} to the "
            "export (see docs/landing-format.md); the whole snapshot is refused until then."
        )


def iter_excel_rows(path: Path) -> Iterator[list[str]]:
    """The first sheet of a workbook as rows of text, dates written DD/MM/YYYY as in the CSV exports."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            if all(value is None for value in row):
                continue
            yield [_excel_text(value) for value in row]
    finally:
        workbook.close()


def _excel_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return str(value).replace(".", ",")
    return str(value)


def excel_to_csv(path: Path, target: Path) -> None:
    """Write the first sheet of a workbook as a `;`-separated UTF-8 CSV file the raw loader reads."""
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";", quotechar='"', lineterminator="\n")
        writer.writerows(iter_excel_rows(path))


def transcode_to_utf8(path: Path, encoding: str, target: Path) -> None:
    """Stream a Windows-1252 file into UTF-8 so DuckDB's CSV reader keeps every accent intact."""
    with (
        path.open(encoding=encoding, newline="") as source,
        target.open("w", encoding="utf-8", newline="") as out,
    ):
        for block in iter(lambda: source.read(CHUNK_BYTES), ""):
            out.write(block)
