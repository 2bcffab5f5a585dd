"""The team's MedDRA releases in the landing: `meddra/` holding each release as distributed, its zip or the
folder it extracts to, with the `MedAscii/` files inside.

A release is one language of one version, both read from its `meddra_release.asc`. Each language is a source
of its own (`meddra_english`, `meddra_french`), whose snapshots are its versions, dated by the twice-yearly
calendar (X.0 in March, X.1 in September): a newer version replaces the older for the marts, and a team may
keep the old zip in the landing. A release is accepted whole or refused whole, like a FAERS quarter.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path, PurePosixPath

from pv_warehouse.ingest.contract import (
    MEDDRA,
    MEDDRA_REQUIRED,
    DeliveredFile,
    Inspection,
    LandingError,
    Snapshot,
    Source,
)
from pv_warehouse.ingest.files import UnitSeparatorGuard, UnquotedFormat, unquoted_encoding

ASCII_FOLDER = "medascii"
RELEASE_TABLE = "meddra_release"
VERSION = re.compile(r"(\d{1,2})\.([01])")
LANGUAGE = re.compile(r"[A-Za-z][A-Za-z _-]*")
# MedDRA 9.0 came out in March 2006, and a version every March (X.0) and September (X.1) since
FIRST_YEAR = 1997
SPECS = {spec.name: spec for spec in MEDDRA.files}
HEAD_BYTES = 1 << 16
MEDDRA_FILES = UnquotedFormat(
    "MedDRA files", "Deliver the release again as distributed (its zip, or the folder the zip extracts to)."
)


def release_date(version: str) -> dt.date:
    """The date a version's snapshot carries in raw: the first day of its release month (27.1 -> 2024-09-01)."""
    major, minor = (int(part) for part in version.split("."))
    return dt.date(FIRST_YEAR + major, 9 if minor else 3, 1)


def release_source(language: str) -> Source:
    """The source a language's releases load under: `meddra_french` for French."""
    return Source(name=f"{MEDDRA.name}_{re.sub(r'[^a-z]+', '_', language.lower())}", files=MEDDRA.files)


def discover_releases(landing_dir: Path) -> list[Snapshot]:
    """Every release under `meddra/` (zips and folders; other files, such as a readme, are left alone),
    oldest first; refuses an entry that breaks the layout, and two deliveries of one version and language."""
    meddra_dir = landing_dir / MEDDRA.name
    if not meddra_dir.is_dir():
        return []
    releases: dict[tuple[str, dt.date], Snapshot] = {}
    for entry in sorted(meddra_dir.iterdir()):
        if entry.is_dir() or entry.suffix.lower() == ".zip":
            release = _release(landing_dir, entry)
        else:
            continue
        key = (release.source.name, release.snapshot_date)
        if key in releases:
            first = releases[key].folder.relative_to(landing_dir).as_posix()
            raise LandingError(
                f"{entry.relative_to(landing_dir).as_posix()}: a second delivery of the MedDRA release in "
                f"{_release_file(release).relative_path} (the first is {first}). Keep one of them."
            )
        releases[key] = release
    return sorted(releases.values(), key=lambda snapshot: (snapshot.snapshot_date, snapshot.source.name))


def _release(landing_dir: Path, entry: Path) -> Snapshot:
    shown_entry = entry.relative_to(landing_dir).as_posix()
    located: list[tuple[str, Path, str | None]]
    if entry.is_dir():
        located = [
            (path.relative_to(entry).as_posix(), path, None) for path in sorted(entry.rglob("*")) if path.is_file()
        ]
    else:
        try:
            with zipfile.ZipFile(entry) as archive:
                names = [info.filename for info in archive.infolist() if not info.is_dir()]
        except zipfile.BadZipFile:
            raise LandingError(
                f"{shown_entry}: the file is not a readable zip (truncated or damaged). {MEDDRA_FILES.redeliver}"
            ) from None
        located = [(name, entry, name) for name in names]
    ascii_files = [
        (PurePosixPath(name), path, member)
        for name, path, member in located
        if PurePosixPath(name).suffix.lower() == ".asc" and PurePosixPath(name).parent.name.lower() == ASCII_FOLDER
    ]
    folders = sorted({str(name.parent) for name, _, _ in ascii_files})
    if not folders:
        raise LandingError(
            f"{shown_entry}: no MedAscii/ folder with .asc files. A MedDRA release is delivered as distributed: "
            "its zip, or the folder it extracts to, holding MedAscii/llt.asc, pt.asc and the rest."
        )
    if len(folders) > 1:
        raise LandingError(
            f"{shown_entry}: {len(folders)} MedAscii/ folders ({', '.join(folders)}). Put each release in the "
            "meddra/ folder on its own (one zip or one extracted folder a release)."
        )
    files: dict[str, DeliveredFile] = {}
    for name, path, member in ascii_files:
        spec = SPECS.get(name.name.lower())
        if spec is None:
            continue
        shown = f"{shown_entry}!{member}" if member else f"{shown_entry}/{name}"
        if spec.raw_table in files:
            raise LandingError(
                f"{shown}: a second {spec.name} in the release (the first is "
                f"{files[spec.raw_table].relative_path}). Keep one."
            )
        files[spec.raw_table] = DeliveredFile(spec, path, shown, member)
    missing = [table for table in MEDDRA_REQUIRED if SPECS[f"{table}.asc"].raw_table not in files]
    if missing:
        raise LandingError(
            f"{shown_entry}/{folders[0]}/: {', '.join(f'{table}.asc' for table in missing)} missing. A MedDRA "
            f"release needs {', '.join(f'{table}.asc' for table in MEDDRA_REQUIRED)} (the SMQ files are read "
            f"when present); the whole release is refused. {MEDDRA_FILES.redeliver}"
        )
    release = files[RELEASE_TABLE]
    version, language = _version_and_language(release)
    ordered = tuple(files[spec.raw_table] for spec in MEDDRA.files if spec.raw_table in files)
    return Snapshot(release_source(language), release_date(version), entry, ordered)


def _release_file(snapshot: Snapshot) -> DeliveredFile:
    return next(delivered for delivered in snapshot.files if delivered.spec.raw_table == RELEASE_TABLE)


def _version_and_language(release: DeliveredFile) -> tuple[str, str]:
    """The version and language the release file's first line gives, checked."""
    with release.open() as handle:
        head = handle.read(HEAD_BYTES)
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = head.decode("cp1252", errors="replace")
    fields = [field.strip() for field in text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r").split("$")]
    version = fields[0]
    language = fields[1] if len(fields) > 1 else ""
    if not VERSION.fullmatch(version):
        raise LandingError(
            f"{release.relative_path}: line 1 field 1 is {version!r}, not a MedDRA version (such as 27.0 or 27.1). "
            f"The file names the release's version and language; {MEDDRA_FILES.redeliver}"
        )
    if not LANGUAGE.fullmatch(language):
        raise LandingError(
            f"{release.relative_path}: line 1 field 2 is {language!r}, not a language name (such as English or "
            f"French). The file names the release's version and language; {MEDDRA_FILES.redeliver}"
        )
    return version, language


def inspect_meddra_file(delivered: DeliveredFile) -> Inspection:
    """Fingerprint a MedDRA file and check its encoding and its first line's `$` count against the layout.

    An empty file is valid (releases from 28.0 ship some empty). The release file's fields after version and
    language are kept as delivered (`field_3`, ...).
    """
    size, _ = delivered.signature()
    columns = delivered.spec.required_columns
    digest = UnitSeparatorGuard(delivered, MEDDRA_FILES)
    if size == 0:
        return Inspection(digest.hexdigest(), 0, "utf-8", False, columns, trailing_field=True)
    encoding = unquoted_encoding(delivered, digest, MEDDRA_FILES)
    with delivered.open() as handle:
        head = handle.read(HEAD_BYTES).decode(encoding, errors="replace")
    first = head.split("\n", 1)[0].rstrip("\r").split("$")
    trailing = len(first) > 1 and first[-1] == ""
    fields = len(first) - 1 if trailing else len(first)
    if delivered.spec.raw_table == RELEASE_TABLE:
        columns = (*columns, *(f"field_{n}" for n in range(len(columns) + 1, fields + 1)))
    elif fields != len(columns):
        raise LandingError(
            f"{delivered.relative_path}: line 1 has {fields} fields separated by '$'; {delivered.spec.name} has "
            f"{len(columns)} in the MedDRA layout ({', '.join(columns)}). This is not a release as distributed: "
            f"{MEDDRA_FILES.redeliver}"
        )
    return Inspection(digest.hexdigest(), size, encoding, False, columns, trailing)


__all__ = ["discover_releases", "inspect_meddra_file", "release_date", "release_source"]
