"""The landing contract: which snapshot folders and files the source systems deliver, and their checks.

A snapshot folder is accepted whole or refused whole. Every refusal is a `LandingError` whose message
names the file (and the column or row when there is one), says what is wrong and what to do.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

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

# A MedDRA release's `MedAscii/` files, `$`-delimited with no header, every line ending with `$`; columns in
# the distribution's order, the legacy fields (empty in current releases) kept by position. The release file's
# fields after version and language are read as delivered (`meddra_releases.inspect_meddra_file`).
MEDDRA_LAYOUT: dict[str, tuple[str, ...]] = {
    "llt": ("llt_code", "llt_name", "pt_code", *(f"legacy_{n}" for n in range(1, 7)), "llt_currency", "legacy_7"),
    "pt": ("pt_code", "pt_name", "null_field", "pt_soc_code", *(f"legacy_{n}" for n in range(1, 8))),
    "hlt": ("hlt_code", "hlt_name", *(f"legacy_{n}" for n in range(1, 8))),
    "hlgt": ("hlgt_code", "hlgt_name", *(f"legacy_{n}" for n in range(1, 8))),
    "soc": ("soc_code", "soc_name", "soc_abbrev", *(f"legacy_{n}" for n in range(1, 8))),
    "hlt_pt": ("hlt_code", "pt_code"),
    "hlgt_hlt": ("hlgt_code", "hlt_code"),
    "soc_hlgt": ("soc_code", "hlgt_code"),
    "mdhier": (
        "pt_code", "hlt_code", "hlgt_code", "soc_code", "pt_name", "hlt_name", "hlgt_name", "soc_name",
        "soc_abbrev", "null_field", "pt_soc_code", "primary_soc_fg",
    ),
    "intl_ord": ("intl_ord_code", "soc_code"),
    "smq_list": (
        "smq_code", "smq_name", "smq_level", "smq_description", "smq_source", "smq_note", "meddra_version",
        "status", "smq_algorithm",
    ),
    "smq_content": (
        "smq_code", "term_code", "term_level", "term_scope", "term_category", "term_weight", "term_status",
        "term_addition_version", "term_last_modified_version",
    ),
    "meddra_release": ("version", "language"),
}  # fmt: skip
# a release lacking one of these is refused; the SMQ files and the SOC order are read when present
MEDDRA_REQUIRED = ("meddra_release", "llt", "pt", "hlt", "hlgt", "soc", "hlt_pt", "hlgt_hlt", "soc_hlgt", "mdhier")
# English and the Western European languages come in Windows-1252 ("extended ASCII"), the others in UTF-8
MEDDRA_ENCODINGS = ("utf-8", "cp1252")

# The team's MedDRA releases: `meddra/` holds each release as distributed. Each language is a source of its own
# (`meddra_<language>`, see meddra_releases.release_source), whose snapshots are its versions; this one names
# the folder and the files.
MEDDRA = Source(
    name="meddra",
    files=tuple(
        LandingFile(
            name=f"{table}.asc",
            raw_table=f"meddra_{table.removeprefix('meddra_')}",
            required_columns=columns,
            encodings=MEDDRA_ENCODINGS,
            delimiter="$",
            quote="",
            header=False,
            layout="meddra",
        )
        for table, columns in MEDDRA_LAYOUT.items()
    ),
)

SOURCES = (HOSPITAL, PHARMACOVIGILANCE, FAERS, MEDDRA)
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
    def open(self) -> Iterator[IO[bytes]]:
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


# the file `pv-warehouse demo-data` writes beside synthetic extracts: no real patient is in that landing
DEMO_MARKER = "DEMO-EXTRACTS.txt"


def is_demo_landing(landing_dir: Path) -> bool:
    """True when `landing_dir` holds extracts `demo-data` wrote (synthetic, no real patient)."""
    return (landing_dir / DEMO_MARKER).is_file()
