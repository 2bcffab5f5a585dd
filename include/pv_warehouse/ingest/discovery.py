"""Discovery and inspection of the landing: every snapshot folder of the hospital and national sources,
every FAERS quarter and MedDRA release, and the checks of each delivered file, before anything is loaded."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from pv_warehouse.ingest.contract import (
    HOSPITAL,
    PHARMACOVIGILANCE,
    DeliveredFile,
    Inspection,
    LandingError,
    Snapshot,
    Source,
)
from pv_warehouse.ingest.faers_quarters import discover_quarters, inspect_faers_file
from pv_warehouse.ingest.files import check_columns, csv_header, detect_encoding, excel_header, sha256_of
from pv_warehouse.ingest.meddra_releases import discover_releases, inspect_meddra_file


def discover_snapshots(landing_dir: Path) -> list[Snapshot]:
    """Every snapshot folder under the landing, oldest first; refuses folders that break the contract."""
    if not landing_dir.is_dir():
        raise LandingError(
            f"{landing_dir}: the landing folder does not exist. Point --landing at the folder that holds "
            "hospital/ and pharmacovigilance/, or run `pv-warehouse demo-data --out DIR` to create demo extracts."
        )
    snapshots: list[Snapshot] = []
    for source in (HOSPITAL, PHARMACOVIGILANCE):
        source_dir = landing_dir / source.name
        if not source_dir.is_dir():
            continue
        for folder in sorted(p for p in source_dir.iterdir() if p.is_dir()):
            snapshots.append(_snapshot(landing_dir, source, folder))
    snapshots += discover_quarters(landing_dir)
    snapshots += discover_releases(landing_dir)
    if not snapshots:
        raise LandingError(
            f"{landing_dir}: no snapshot folder found. Expected hospital/<YYYY-MM-DD>/ and "
            "pharmacovigilance/<YYYY-MM-DD>/ folders, and optionally faers/<YYYY>q<N>/ "
            "quarters and meddra/ releases (see docs/landing-format.md)."
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


def inspect(delivered: DeliveredFile) -> Inspection:
    """Fingerprint a delivered file and check it is non-empty, decodable and has the required columns."""
    if delivered.spec.layout == "faers":
        return inspect_faers_file(delivered)
    if delivered.spec.layout == "meddra":
        return inspect_meddra_file(delivered)
    path = delivered.path
    size = path.stat().st_size
    if size == 0:
        raise LandingError(f"{delivered.relative_path}: the file is empty (0 bytes). Export it again.")
    if delivered.is_excel:
        columns = excel_header(delivered)
        check_columns(delivered, columns)
        return Inspection(sha256_of(path), size, "xlsx", False, columns)
    digest = hashlib.sha256()
    encoding, has_bom = detect_encoding(delivered, digest)
    columns = csv_header(delivered, encoding)
    check_columns(delivered, columns)
    return Inspection(digest.hexdigest(), size, encoding, has_bom, columns)
