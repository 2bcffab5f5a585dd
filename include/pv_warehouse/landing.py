"""The landing contract: which snapshot folders and files the source systems deliver, and their checks.

A snapshot folder is accepted whole or refused whole. Every refusal is a `LandingError` whose message
names the file (and the column or row when there is one), says what is wrong and what to do.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol

CHUNK_BYTES = 1 << 20
NEWLINE = b"\n"


@dataclass(frozen=True)
class LandingFile:
    """One file of the contract: where it sits in a snapshot, its raw table and required columns."""

    name: str
    raw_table: str
    required_columns: tuple[str, ...]
    encodings: tuple[str, ...]
    alternatives: tuple[str, ...] = ()
    # columns raw keeps a place for although a delivery may lack them (older layouts)
    optional_columns: tuple[str, ...] = ()
    delimiter: str = ";"
    # "" when the format has no quoting at all
    quote: str = '"'
    header: bool = True
    layout: str = "csv"


@dataclass(frozen=True)
class Source:
    """A source system: its folder under the landing and the files of one complete snapshot."""

    name: str
    files: tuple[LandingFile, ...]


HOSPITAL_ENCODINGS = ("utf-8", "cp1252")

HOSPITAL = Source(
    name="hospital",
    files=(
        LandingFile(
            name="patients.csv",
            raw_table="hospital_patients",
            required_columns=("patient_id", "last_name", "first_name", "birth_date", "sex", "nir"),
            encodings=HOSPITAL_ENCODINGS,
        ),
        LandingFile(
            name="treatments.csv",
            raw_table="hospital_treatments",
            required_columns=(
                "treatment_id",
                "patient_id",
                "drug_label",
                "atc_code",
                "start_date",
                "end_date",
                "dose_mg",
                "dosing_interval_h",
                "route",
                "indication",
                "stop_reason",
            ),
            encodings=HOSPITAL_ENCODINGS,
        ),
        LandingFile(
            name="adverse_events.csv",
            raw_table="hospital_adverse_events",
            required_columns=(
                "event_id",
                "patient_id",
                "treatment_id",
                "onset_date",
                "reaction_label",
                "localisation",
                "severity",
                "pruritus",
                "pain",
                *(f"naranjo_q{item}" for item in range(1, 11)),
                "naranjo_score",
                "outcome",
                "action_taken",
                "rechallenge",
                "biopsy_done",
                "biopsy_result",
            ),
            encodings=HOSPITAL_ENCODINGS,
        ),
    ),
)

PHARMACOVIGILANCE = Source(
    name="pharmacovigilance",
    files=(
        LandingFile(
            name="pv_cases.csv",
            raw_table="pv_cases",
            required_columns=(
                "case_id",
                "case_version",
                "initial_receipt_date",
                "version_receipt_date",
                "reporter_type",
                "patient_sex",
                "patient_age_years",
                "suspect_drug",
                "other_suspect_drugs",
                "indication",
                "drug_start_date",
                "drug_stop_date",
                "reaction_llt",
                "reaction_pt",
                "reaction_soc",
                "reaction_onset_date",
                "serious",
                "seriousness_criteria",
                "reaction_outcome",
                "action_taken",
                "rechallenge",
                "chrono_score",
                "semio_score",
                "intrinsic_score",
                "biblio_score",
                "narrative",
            ),
            # the national export is UTF-8 by contract; Windows-1252 is tolerated as for the hospital
            encodings=("utf-8", "cp1252"),
            alternatives=("pv_cases.xlsx",),
        ),
    ),
)

FAERS_ENCODINGS = ("utf-8", "cp1252", "latin-1")


# The columns of each FAERS table in the order the FDA writes them, layout from 2014Q3. Quarters from
# 2012Q4 to 2014Q2 lack a few and name sex `gndr_cod`.
FAERS_LAYOUT: dict[str, tuple[str, ...]] = {
    "demo": (
        "primaryid", "caseid", "caseversion", "i_f_code", "event_dt", "mfr_dt", "init_fda_dt", "fda_dt",
        "rept_cod", "auth_num", "mfr_num", "mfr_sndr", "lit_ref", "age", "age_cod", "age_grp", "sex", "e_sub",
        "wt", "wt_cod", "rept_dt", "to_mfr", "occp_cod", "reporter_country", "occr_country",
    ),
    "drug": (
        "primaryid", "caseid", "drug_seq", "role_cod", "drugname", "prod_ai", "val_vbm", "route", "dose_vbm",
        "cum_dose_chr", "cum_dose_unit", "dechal", "rechal", "lot_num", "exp_dt", "nda_num", "dose_amt",
        "dose_unit", "dose_form", "dose_freq",
    ),
    "reac": ("primaryid", "caseid", "pt", "drug_rec_act"),
    "outc": ("primaryid", "caseid", "outc_cod"),
    "rpsr": ("primaryid", "caseid", "rpsr_cod"),
    "ther": ("primaryid", "caseid", "dsg_drug_seq", "start_dt", "end_dt", "dur", "dur_cod"),
    "indi": ("primaryid", "caseid", "indi_drug_seq", "indi_pt"),
}  # fmt: skip
# what a file must have for the warehouse to use it; raw keeps a place for the rest of the layout
FAERS_REQUIRED = {
    "demo": ("primaryid", "caseid", "caseversion", "fda_dt"),
    "drug": ("primaryid", "caseid", "drug_seq", "role_cod", "drugname"),
    "reac": ("primaryid", "caseid", "pt"),
    "outc": ("primaryid", "caseid", "outc_cod"),
    "rpsr": ("primaryid", "caseid", "rpsr_cod"),
    "ther": ("primaryid", "caseid", "dsg_drug_seq"),
    "indi": ("primaryid", "caseid", "indi_drug_seq", "indi_pt"),
}
FAERS_OLDER_NAMES = {"demo": ("gndr_cod",)}


def _faers_table(table: str, required: tuple[str, ...], header: bool = True) -> LandingFile:
    layout = (*FAERS_LAYOUT.get(table, required), *FAERS_OLDER_NAMES.get(table, ()))
    return LandingFile(
        name=f"{table.upper()}yyQq.txt",
        raw_table=f"faers_{table}",
        required_columns=required,
        encodings=FAERS_ENCODINGS,
        optional_columns=tuple(column for column in layout if column not in required),
        delimiter="$",
        quote="",
        header=header,
        layout="faers",
    )


# The FDA's quarterly files: a quarter holds DEMO and any of the others; `deleted` lists case ids to drop.
FAERS = Source(
    name="faers",
    files=(
        *(_faers_table(table, required) for table, required in FAERS_REQUIRED.items()),
        _faers_table("deleted_cases", ("caseid",), header=False),
    ),
)

SOURCES = (HOSPITAL, PHARMACOVIGILANCE, FAERS)
# the sources whose snapshots are full pictures of one query, so a file's rows may be compared with the
# previous snapshot's (the row-drop rule, max_row_drop_pct); FAERS quarters are not snapshots of one query
COMPARED_SOURCES = (HOSPITAL.name, PHARMACOVIGILANCE.name)


class LandingError(Exception):
    """A delivery the pipeline refuses: the message says which file, what is wrong and what to do."""


@dataclass(frozen=True)
class DeliveredFile:
    """A file of a snapshot as found in the landing folder."""

    spec: LandingFile
    path: Path
    relative_path: str
    # the file's name inside the zip at `path`, when it was delivered zipped
    member: str | None = None

    @property
    def is_excel(self) -> bool:
        return self.path.suffix.lower() == ".xlsx"

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.member).suffix.lower() if self.member else self.path.suffix.lower()

    def signature(self) -> tuple[int, int]:
        """(size, mtime) that tell a file unchanged since its last load without reading it."""
        stat = self.path.stat()
        if self.member is None:
            return stat.st_size, stat.st_mtime_ns
        with zipfile.ZipFile(self.path) as archive:
            return archive.getinfo(self.member).file_size, stat.st_mtime_ns

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        """The delivered bytes, read from the zip when the file came zipped."""
        if self.member is None:
            with self.path.open("rb") as handle:
                yield handle
        else:
            with zipfile.ZipFile(self.path) as archive, archive.open(self.member) as handle:
                yield handle


@dataclass(frozen=True)
class Snapshot:
    """One complete snapshot folder of a source, named by its extraction or export date."""

    source: Source
    snapshot_date: dt.date
    folder: Path
    files: tuple[DeliveredFile, ...]


@dataclass(frozen=True)
class Inspection:
    """What the checks learnt of a delivered file: its fingerprint, encoding and header."""

    sha256: str
    size_bytes: int
    encoding: str
    has_bom: bool
    columns: tuple[str, ...]
    # every line ends with one more (empty) field than the header names
    trailing_field: bool = False


def discover_snapshots(landing_dir: Path) -> list[Snapshot]:
    """Every snapshot folder under the landing, oldest first; refuses folders that break the contract."""
    if not landing_dir.is_dir():
        raise LandingError(
            f"{landing_dir}: the landing folder does not exist. Point --landing at the folder that holds "
            "hospital/ and pharmacovigilance/, or run `pv-warehouse demo-data --out DIR` to create demo extracts."
        )
    from pv_warehouse.faers_landing import discover_quarters

    snapshots: list[Snapshot] = []
    for source in (HOSPITAL, PHARMACOVIGILANCE):
        source_dir = landing_dir / source.name
        if not source_dir.is_dir():
            continue
        for folder in sorted(p for p in source_dir.iterdir() if p.is_dir()):
            snapshots.append(_snapshot(landing_dir, source, folder))
    snapshots += discover_quarters(landing_dir)
    if not snapshots:
        raise LandingError(
            f"{landing_dir}: no snapshot folder found. Expected hospital/<YYYY-MM-DD>/ and "
            "pharmacovigilance/<YYYY-MM-DD>/ folders, and optionally faers/<YYYY>q<N>/ "
            "(see docs/landing-format.md)."
        )
    return sorted(snapshots, key=lambda s: (s.snapshot_date, s.source.name))


def _snapshot(landing_dir: Path, source: Source, folder: Path) -> Snapshot:
    relative_folder = folder.relative_to(landing_dir).as_posix()
    try:
        snapshot_date = dt.date.fromisoformat(folder.name)
    except ValueError:
        raise LandingError(
            f"{relative_folder}/: a snapshot folder must be named by its date as YYYY-MM-DD. "
            "Rename the folder to the extraction date, or move it out of the landing folder."
        ) from None
    files = []
    for spec in source.files:
        candidates = [folder / name for name in (spec.name, *spec.alternatives)]
        present = [path for path in candidates if path.is_file()]
        if not present:
            raise LandingError(
                f"{relative_folder}/: incomplete snapshot, {spec.name} is missing. A {source.name} snapshot "
                f"needs {', '.join(f.name for f in source.files)}. The whole folder is refused; deliver the "
                "missing file (or remove the folder) and run again."
            )
        if len(present) > 1:
            raise LandingError(
                f"{relative_folder}/: both {present[0].name} and {present[1].name} are present. Deliver one of them."
            )
        path = present[0]
        files.append(DeliveredFile(spec, path, path.relative_to(landing_dir).as_posix()))
    return Snapshot(source, snapshot_date, folder, tuple(files))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def inspect(delivered: DeliveredFile) -> Inspection:
    """Fingerprint a delivered file and check it is non-empty, decodable and has the required columns."""
    if delivered.spec.layout == "faers":
        from pv_warehouse.faers_landing import inspect_faers_file

        return inspect_faers_file(delivered)
    path = delivered.path
    size = path.stat().st_size
    if size == 0:
        raise LandingError(f"{delivered.relative_path}: the file is empty (0 bytes). Export it again.")
    if delivered.is_excel:
        columns = _excel_header(delivered)
        check_columns(delivered, columns)
        return Inspection(sha256_of(path), size, "xlsx", False, columns)
    digest = hashlib.sha256()
    encoding, has_bom = _detect_encoding(delivered, digest)
    columns = _csv_header(delivered, encoding)
    check_columns(delivered, columns)
    return Inspection(digest.hexdigest(), size, encoding, has_bom, columns)


def _detect_encoding(delivered: DeliveredFile, digest: Digest) -> tuple[str, bool]:
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


Opener = Callable[[], AbstractContextManager[BinaryIO]]


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


def _csv_header(delivered: DeliveredFile, encoding: str) -> tuple[str, ...]:
    with delivered.path.open(encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="") as text:
        header = next(csv.reader(text, delimiter=";", quotechar='"'), None)
        has_row = next(csv.reader(text, delimiter=";", quotechar='"'), None) is not None
    if header is not None and len(header) == 1 and len(header[0].split(",")) > 1:
        raise LandingError(
            f"{delivered.relative_path} is separated by ',': the contract's separator is ';' "
            "(export the file again with ';')"
        )
    return checked_header(delivered, header, has_row)


def _excel_header(delivered: DeliveredFile) -> tuple[str, ...]:
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
