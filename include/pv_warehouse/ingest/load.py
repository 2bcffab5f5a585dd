"""Landing -> archive -> raw: every new snapshot is archived by its sha256 and loaded as text.

Raw tables keep every field exactly as received (as VARCHAR; an empty field is NULL) plus provenance.
`raw.snapshot_manifest` maps each snapshot to the files (by sha256) it holds, so the same bytes
delivered again are loaded once yet still belong to the newer snapshot. `raw.load_audit` records the
rows read from each file. All changes of one run are committed together or not at all.

Completeness: a hospital or national file whose data rows fall by more than `max_row_drop_pct` against
the same file of the previous snapshot of its source refuses its snapshot before its rows reach raw,
unless an operator accepted those very bytes (`pv-warehouse accept-snapshot`, see `accept_snapshot`).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pv_warehouse.core import failpoints
from pv_warehouse.core.build_db import connect_build, one_value, quote_identifier
from pv_warehouse.core.run_records import (
    ACCEPTED,
    FIRST_SNAPSHOT,
    REFUSED,
    WITHIN_LIMIT,
    latest_refusal,
    percent,
    read_acceptances,
    record_acceptance,
    record_completeness,
)
from pv_warehouse.core.settings import Settings
from pv_warehouse.core.study import load_parameters
from pv_warehouse.ingest.contract import (
    CHUNK_BYTES,
    COMPARED_SOURCES,
    SOURCES,
    DeliveredFile,
    Inspection,
    LandingError,
    Snapshot,
)
from pv_warehouse.ingest.discovery import discover_snapshots, inspect
from pv_warehouse.ingest.files import excel_to_csv, sha256_of, transcode_to_utf8

if TYPE_CHECKING:
    import duckdb

    from pv_warehouse.core.settings import Settings

log = logging.getLogger(__name__)

RAW_SCHEMA = "raw"
# Files without quoting (FAERS) are read with one column more than the header, two when every line ends with
# the delimiter: names no delivered header uses. An empty field reads as '' there, as nothing reads as
# NEVER_IN_TEXT (control characters; a file holding 0x1F is refused at inspection).
TRAILING_FIELD = "_pv_trailing_field"
SURPLUS_FIELD = "_pv_surplus_field"
NEVER_IN_TEXT = "\x1f\x1f"
WRONG_FIELD_COUNT = "pv-warehouse: wrong number of fields on data row"
# the temporary table each file is read into before its rows are numbered and appended to raw
FILE_ROWS = "pv_file_rows"
# a row's number among the file's data rows, from FILE_ROWS's rowid (see _read_into_file_rows)
ROW_NUMBER = "(rows.rowid - before_first.rowid)"
PROVENANCE_COLUMNS = {
    "_source_file": "VARCHAR",
    "_sha256": "VARCHAR",
    "_snapshot_date": "DATE",
    "_row_number": "BIGINT",
    "_run_id": "VARCHAR",
    "_loaded_at": "TIMESTAMP WITH TIME ZONE",
}

BOOKKEEPING_DDL = (
    f"create schema if not exists {RAW_SCHEMA}",
    f"""
    create table if not exists {RAW_SCHEMA}.load_audit (
        sha256 varchar primary key,
        source varchar not null,
        raw_table varchar not null,
        source_file varchar not null,
        snapshot_date date not null,
        encoding varchar not null,
        has_bom boolean not null,
        size_bytes bigint not null,
        rows_read bigint not null,
        run_id varchar not null,
        loaded_at timestamp with time zone not null
    )
    """,
    f"""
    create table if not exists {RAW_SCHEMA}.snapshot_manifest (
        source varchar not null,
        snapshot_date date not null,
        raw_table varchar not null,
        source_file varchar not null,
        sha256 varchar not null,
        size_bytes bigint not null,
        mtime_ns bigint not null,
        run_id varchar not null,
        registered_at timestamp with time zone not null,
        primary key (source, snapshot_date, raw_table)
    )
    """,
)


@dataclass(frozen=True)
class FileLoad:
    """What happened to one delivered file in a run."""

    source_file: str
    raw_table: str
    snapshot_date: str
    sha256: str
    rows_read: int
    status: str  # "loaded", "same bytes already loaded", "unchanged" or "refused" (a fall in rows)


@dataclass(frozen=True)
class LoadReport:
    """The outcome of one landing load, small enough to pass between tasks."""

    run_id: str
    files: tuple[FileLoad, ...]

    @property
    def loaded(self) -> tuple[FileLoad, ...]:
        return tuple(f for f in self.files if f.status == "loaded")

    def as_dict(self) -> dict[str, object]:
        return {"run_id": self.run_id, "files": [asdict(f) for f in self.files]}


def load_landing(settings: Settings, run_id: str) -> LoadReport:
    """Archive and load every snapshot not loaded before; refuse the whole run on any bad delivery."""
    snapshots = discover_snapshots(settings.landing_dir)
    con = connect_build(settings)
    try:
        for statement in BOOKKEEPING_DDL:
            con.execute(statement)
        _ensure_raw_tables(con)
        known = _manifest(con)
        completeness = Completeness(settings, con)
        pending: list[tuple[Snapshot, DeliveredFile]] = []
        unchanged: list[FileLoad] = []
        for snapshot in snapshots:
            for delivered in snapshot.files:
                previous = known.get((snapshot.source.name, snapshot.snapshot_date, delivered.spec.raw_table))
                if previous and previous[1:] == (delivered.relative_path, *delivered.signature()):
                    unchanged.append(
                        FileLoad(
                            delivered.relative_path,
                            delivered.spec.raw_table,
                            snapshot.snapshot_date.isoformat(),
                            previous[0],
                            _rows_read(con, previous[0]),
                            "unchanged",
                        )
                    )
                else:
                    pending.append((snapshot, delivered))
        # every check runs before anything is written: a refused snapshot leaves raw untouched
        inspections = {delivered.relative_path: inspect(delivered) for _, delivered in pending}
        loads = [*unchanged]
        con.execute("begin transaction")
        try:
            loaded_at = dt.datetime.now(dt.UTC)
            for snapshot in {snapshot for snapshot, _ in pending}:
                _forget_tables_no_longer_delivered(con, snapshot)
            for snapshot, delivered in pending:
                loads.append(
                    _load_file(
                        con,
                        settings,
                        run_id,
                        loaded_at,
                        snapshot,
                        delivered,
                        inspections[delivered.relative_path],
                        completeness,
                    )
                )
                failpoints.reach("load:file-loaded")
            completeness.record(settings, run_id)
            # before the commit: a refused snapshot leaves raw as it was
            completeness.raise_for_refusals(settings)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    finally:
        con.close()
    report = LoadReport(run_id, tuple(sorted(loads, key=lambda f: (f.snapshot_date, f.source_file))))
    for file in report.files:
        log.info("%s: %s (%d rows read)", file.source_file, file.status, file.rows_read)
    return report


# -- completeness -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowCount:
    """A file's data rows against the same file of the previous loaded snapshot of its source."""

    snapshot: str  # "hospital/2016-06-15"
    source_file: str
    sha256: str
    rows: int
    previous_snapshot: str | None
    previous_rows: int | None
    verdict: str  # FIRST_SNAPSHOT, WITHIN_LIMIT, ACCEPTED or REFUSED

    @property
    def fall_pct(self) -> float:
        return 100 * (self.previous_rows - self.rows) / self.previous_rows if self.previous_rows else 0.0


class Completeness:
    """The contract's row-drop rule over one load: each hospital and national file against the same file of
    the newest older snapshot of its source, in raw or loaded earlier in the same run.

    A file whose data rows fall by more than `max_row_drop_pct` is refused unless an operator accepted
    those very bytes (the acceptance names the file and its sha256); a refused file adds no rows, and
    `raise_for_refusals` refuses the run before the commit.
    """

    def __init__(self, settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
        self.max_row_drop_pct = load_parameters(settings.dbt_project_dir).max_row_drop_pct
        self.accepted = {
            (file["source_file"], file["sha256"])
            for acceptance in read_acceptances(settings)
            for file in acceptance["files"]
        }
        # (source, raw table) -> {snapshot date: data rows}
        self.history: dict[tuple[str, str], dict[dt.date, int]] = {}
        for source, snapshot_date, raw_table, rows in con.execute(
            f"""
            select manifest.source, manifest.snapshot_date, manifest.raw_table, audit.rows_read
            from {RAW_SCHEMA}.snapshot_manifest as manifest
            join {RAW_SCHEMA}.load_audit as audit on audit.sha256 = manifest.sha256
            where list_contains(?, manifest.source)
            """,
            [list(COMPARED_SOURCES)],
        ).fetchall():
            self.history.setdefault((source, raw_table), {})[snapshot_date] = rows
        self.checked: list[RowCount] = []

    def admit(self, snapshot: Snapshot, delivered: DeliveredFile, sha256: str, rows: int) -> bool:
        """Check one file's data rows; False when the file is refused."""
        source = snapshot.source.name
        if source not in COMPARED_SOURCES:
            return True
        history = self.history.setdefault((source, delivered.spec.raw_table), {})
        older = [day for day in history if day < snapshot.snapshot_date]
        previous = max(older) if older else None
        previous_rows = history[previous] if previous else None
        if previous_rows is None:
            verdict = FIRST_SNAPSHOT
        elif (previous_rows - rows) * 100 <= self.max_row_drop_pct * previous_rows:
            verdict = WITHIN_LIMIT
        elif (delivered.relative_path, sha256) in self.accepted:
            verdict = ACCEPTED
        else:
            verdict = REFUSED
        self.checked.append(
            RowCount(
                f"{source}/{snapshot.snapshot_date.isoformat()}",
                delivered.relative_path,
                sha256,
                rows,
                f"{source}/{previous.isoformat()}" if previous else None,
                previous_rows,
                verdict,
            )
        )
        if verdict == REFUSED:
            return False
        history[snapshot.snapshot_date] = rows
        return True

    def record(self, settings: Settings, run_id: str) -> None:
        """Keep the counts in the run's records, for the steward report and for `accept-snapshot`."""
        if not self.checked:
            return
        record_completeness(
            settings,
            run_id,
            {
                "run_id": run_id,
                "checked_at": dt.datetime.now(dt.UTC).isoformat(),
                "landing": str(settings.landing_dir),
                "max_row_drop_pct": self.max_row_drop_pct,
                "files": [asdict(count) for count in self.checked],
            },
        )

    def raise_for_refusals(self, settings: Settings) -> None:
        refused = [count for count in self.checked if count.verdict == REFUSED]
        if not refused:
            return
        sentences = []
        for snapshot in sorted({count.snapshot for count in refused}):
            falls = "; ".join(
                f"{count.source_file} holds {count.rows} data rows, {count.previous_rows} in the previous "
                f"snapshot {count.previous_snapshot} (a fall of {percent(count.fall_pct)}%, more than "
                f"max_row_drop_pct {percent(self.max_row_drop_pct)})"
                for count in refused
                if count.snapshot == snapshot
            )
            sentences.append(
                f"{falls}: the snapshot is refused. If the fall is real, accept it: "
                f'pv-warehouse accept-snapshot {snapshot} --reason "..." --home {settings.home_dir} '
                "and run again; otherwise deliver a complete extract in its place."
            )
        raise LandingError(" ".join(sentences))


class AcceptanceRefused(Exception):
    """`accept-snapshot` cannot accept what it was given: the message says why and what to do."""


@dataclass(frozen=True)
class Acceptance:
    """What `accept_snapshot` did: the acceptance recorded (or found), and whether it was already there."""

    record: dict[str, Any]
    already_accepted: bool


def accept_snapshot(
    settings: Settings, snapshot: str, reason: str, accepted_by: str, landing_dir: Path | None = None
) -> Acceptance:
    """Accept a snapshot a run refused for a fall in rows, for the very bytes it refused; recorded with who,
    when and why in the run records, so the next run loads it.

    `landing_dir`: where the snapshot lies; by default the landing the refusing run read.
    """
    snapshot = snapshot.strip().strip("/")
    source, _, day = snapshot.partition("/")
    if source not in COMPARED_SOURCES:
        raise AcceptanceRefused(
            f"{snapshot}: name a snapshot as SOURCE/YYYY-MM-DD, SOURCE being {' or '.join(COMPARED_SOURCES)} "
            "(FAERS quarters are not checked for a fall in rows), e.g. hospital/2016-06-15."
        )
    try:
        dt.date.fromisoformat(day)
    except ValueError:
        raise AcceptanceRefused(
            f"{snapshot}: a snapshot is named by its folder, SOURCE/YYYY-MM-DD, e.g. hospital/2016-06-15."
        ) from None
    if not reason.strip():
        raise AcceptanceRefused("--reason is empty: say why the fall in rows is real; it is kept with the acceptance.")
    refusal = latest_refusal(settings, snapshot)
    if refusal is None:
        raise AcceptanceRefused(
            f"{snapshot}: no run under {settings.home_dir} refused this snapshot for a fall in rows, so there is "
            "nothing to accept. Only a snapshot a refresh refused (its message gives the command) can be accepted."
        )
    run_id, record = refusal
    landing = landing_dir or Path(record["landing"])
    if not (landing / snapshot).is_dir():
        raise AcceptanceRefused(
            f"{snapshot}: the folder is not in the landing {landing}. Point --landing at the landing folder "
            "that holds it."
        )
    refused = [file for file in record["files"] if file["snapshot"] == snapshot and file["verdict"] == REFUSED]
    for file in refused:
        path = landing / file["source_file"]
        if not path.is_file() or sha256_of(path) != file["sha256"]:
            raise AcceptanceRefused(
                f"{file['source_file']} is not the file run {run_id} refused (it was delivered again or removed "
                "since): there is nothing to accept. Run refresh: the file now in the landing is checked anew."
            )
    accepted = {
        (file["source_file"], file["sha256"]): acceptance
        for acceptance in read_acceptances(settings)
        for file in acceptance["files"]
    }
    if all((file["source_file"], file["sha256"]) in accepted for file in refused):
        return Acceptance(accepted[(refused[0]["source_file"], refused[0]["sha256"])], already_accepted=True)
    acceptance = {
        "snapshot": snapshot,
        "accepted_by": accepted_by,
        "accepted_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "reason": reason.strip(),
        "refused_by_run": run_id,
        "max_row_drop_pct": record["max_row_drop_pct"],
        "files": [
            {key: file[key] for key in ("source_file", "sha256", "rows", "previous_snapshot", "previous_rows")}
            for file in refused
        ],
    }
    record_acceptance(settings, acceptance)
    return Acceptance(acceptance, already_accepted=False)


def _forget_tables_no_longer_delivered(con: duckdb.DuckDBPyConnection, snapshot: Snapshot) -> None:
    """A FAERS quarter delivered again without a table it had: that table's rows leave the quarter."""
    delivered = [f.spec.raw_table for f in snapshot.files]
    con.execute(
        f"delete from {RAW_SCHEMA}.snapshot_manifest where source = ? and snapshot_date = ? "
        "and not list_contains(?, raw_table)",
        [snapshot.source.name, snapshot.snapshot_date, delivered],
    )


def _ensure_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    for source in SOURCES:
        for spec in source.files:
            names = (*spec.required_columns, *spec.optional_columns)
            columns = [f"{quote_identifier(c)} varchar" for c in names]
            columns += [f"{name} {kind}" for name, kind in PROVENANCE_COLUMNS.items()]
            con.execute(f"create table if not exists {RAW_SCHEMA}.{spec.raw_table} ({', '.join(columns)})")


def _manifest(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, dt.date, str], tuple[str, str, int, int]]:
    rows = con.execute(
        f"select source, snapshot_date, raw_table, sha256, source_file, size_bytes, mtime_ns "
        f"from {RAW_SCHEMA}.snapshot_manifest"
    ).fetchall()
    return {(r[0], r[1], r[2]): (r[3], r[4], r[5], r[6]) for r in rows}


def _rows_read(con: duckdb.DuckDBPyConnection, sha256: str) -> int:
    row = con.execute(f"select rows_read from {RAW_SCHEMA}.load_audit where sha256 = ?", [sha256]).fetchone()
    return int(row[0]) if row else 0


def _load_file(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    run_id: str,
    loaded_at: dt.datetime,
    snapshot: Snapshot,
    delivered: DeliveredFile,
    inspection: Inspection,
    completeness: Completeness,
) -> FileLoad:
    archived = archive(settings.archive_dir, delivered, inspection.sha256)
    spec = delivered.spec
    size, mtime_ns = delivered.signature()
    con.execute(
        f"insert or replace into {RAW_SCHEMA}.snapshot_manifest values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            snapshot.source.name,
            snapshot.snapshot_date,
            spec.raw_table,
            delivered.relative_path,
            inspection.sha256,
            size,
            mtime_ns,
            run_id,
            loaded_at,
        ],
    )
    rows_before = _rows_read(con, inspection.sha256)

    def admit(rows: int) -> bool:
        return completeness.admit(snapshot, delivered, inspection.sha256, rows)

    def outcome(rows: int, status: str) -> FileLoad:
        return FileLoad(
            delivered.relative_path, spec.raw_table, snapshot.snapshot_date.isoformat(), inspection.sha256, rows, status
        )

    if con.execute(f"select 1 from {RAW_SCHEMA}.load_audit where sha256 = ?", [inspection.sha256]).fetchone():
        return outcome(rows_before, "same bytes already loaded" if admit(rows_before) else "refused")
    readable = _readable_copy(settings, archived, inspection)
    try:
        for column in inspection.columns:
            con.execute(
                f"alter table {RAW_SCHEMA}.{spec.raw_table} add column if not exists {quote_identifier(column)} varchar"
            )
        provenance = [delivered.relative_path, inspection.sha256, snapshot.snapshot_date, run_id, loaded_at]
        if spec.quote:
            rows = _insert_csv(con, delivered, inspection, readable, provenance, admit)
        else:
            rows = _insert_unquoted(con, delivered, inspection, readable, provenance)
    finally:
        if readable != archived:
            readable.unlink(missing_ok=True)
    if rows is None:
        return outcome(0, "refused")
    con.execute(
        f"insert into {RAW_SCHEMA}.load_audit values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            inspection.sha256,
            snapshot.source.name,
            spec.raw_table,
            delivered.relative_path,
            snapshot.snapshot_date,
            inspection.encoding,
            inspection.has_bom,
            inspection.size_bytes,
            rows,
            run_id,
            loaded_at,
        ],
    )
    return outcome(rows, "loaded")


def _insert_csv(
    con: duckdb.DuckDBPyConnection,
    delivered: DeliveredFile,
    inspection: Inspection,
    readable: Path,
    provenance: list[object],
    admit: Callable[[int], bool],
) -> int | None:
    """Insert a quoted CSV file's rows with DuckDB's CSV reader, every column read as text; None, and
    nothing inserted, when `admit(rows)` refuses the file's number of data rows."""
    spec = delivered.spec
    try:
        _read_into_file_rows(
            con,
            """
            select * from read_csv(
                ?, delim = ?, quote = ?, escape = ?, header = ?, auto_detect = false,
                columns = ?, encoding = 'utf-8', strict_mode = true
            )
            """,
            [
                str(readable),
                spec.delimiter,
                spec.quote,
                spec.quote,
                spec.header,
                # none guessed: a row with a stray field fails loudly
                {column: "VARCHAR" for column in inspection.columns},
            ],
        )
    except Exception as error:  # DuckDB's message carries the line and the problem
        raise LandingError(_unreadable_message(delivered, error)) from error
    if not admit(one_value(con, f"select count(*) from {FILE_ROWS}")):
        con.execute(f"drop table {FILE_ROWS}")
        return None
    selected = ", ".join(f"rows.{quote_identifier(c)}" for c in inspection.columns)
    return _insert_file_rows(con, spec.raw_table, selected, provenance)


def _insert_unquoted(
    con: duckdb.DuckDBPyConnection,
    delivered: DeliveredFile,
    inspection: Inspection,
    readable: Path,
    provenance: list[object],
) -> int:
    """Insert a file with no quoting (FAERS), refusing any line without exactly the header's fields.

    DuckDB's CSV reader lets one surplus empty last field pass, and most FAERS rows end with empty fields: a
    stray delimiter would shift a row's values into the wrong columns. So the reader is given one column more
    than the header (two when every line ends with the delimiter), pads short lines with NULL and reads an
    empty field as '' (not NULL): a value in the extra column, or a NULL in the last real one, is a line with
    a wrong number of fields, and the insert stops there.
    """
    spec = delivered.spec
    if inspection.size_bytes == 0:  # an empty MedDRA file: valid, and nothing to read
        return 0
    columns = list(inspection.columns)
    read_columns = {column: "VARCHAR" for column in columns}
    checks = [f"rows.{quote_identifier(columns[-1])} is null", f"rows.{SURPLUS_FIELD} is not null"]
    if inspection.trailing_field:
        read_columns[TRAILING_FIELD] = "VARCHAR"
        checks.append(f"rows.{TRAILING_FIELD} is distinct from ''")
    read_columns[SURPLUS_FIELD] = "VARCHAR"
    selected = ", ".join(f"nullif(rows.{quote_identifier(c)}, '') as {quote_identifier(c)}" for c in columns)
    try:
        _read_into_file_rows(
            con,
            f"""
            select * from read_csv(
                ?, delim = ?, quote = '', escape = '', header = ?, auto_detect = false, columns = ?,
                encoding = 'utf-8', strict_mode = true, null_padding = true, nullstr = '{NEVER_IN_TEXT}'
            )
            """,
            [str(readable), spec.delimiter, spec.header, read_columns],
        )
        stop = f"error('{WRONG_FIELD_COUNT} ' || {ROW_NUMBER})"
        row_number = f"case when {' or '.join(checks)} then {stop} else {ROW_NUMBER} end"
        return _insert_file_rows(con, spec.raw_table, selected, provenance, row_number)
    except Exception as error:
        row = re.search(rf"{WRONG_FIELD_COUNT} (\d+)", str(error))
        if row is None:  # DuckDB's own message carries the line and the problem
            raise LandingError(_unreadable_message(delivered, error)) from error
        line = int(row.group(1)) + (1 if spec.header else 0)
        given_by = "header" if spec.header else "file layout"
        ending = f" (and the '{spec.delimiter}' ending every line)" if inspection.trailing_field else ""
        raise LandingError(
            f"{delivered.relative_path}: line {line} does not have the {len(columns)} fields separated by "
            f"'{spec.delimiter}'{ending} that the {given_by} gives. A stray '{spec.delimiter}' or a line break "
            "inside a value splits a row; fix that line (or deliver the file again as published) and run again."
        ) from error


def _read_into_file_rows(con: duckdb.DuckDBPyConnection, reader: str, parameters: list[object]) -> None:
    """Read one file into the temporary table FILE_ROWS, in the file's order.

    DuckDB's CSV reader numbers no rows, and `with ordinality` would number them at the cost of reading the file
    on one thread (about 40% more on a national export). A new table keeps the order its rows were read in
    (DuckDB preserves insertion order), so its rowids count its rows in the file's order, from the first rowid
    (0, or an offset while the table is the run's transaction's own).
    """
    con.execute(f"create or replace temporary table {FILE_ROWS} as {reader}", parameters)


def _insert_file_rows(
    con: duckdb.DuckDBPyConnection,
    raw_table: str,
    selected: str,
    provenance: list[object],
    row_number: str = ROW_NUMBER,
) -> int:
    """Append FILE_ROWS to a raw table with the provenance columns (`row_number`: the `_row_number` expression,
    ROW_NUMBER or one that stops at a bad row), then drop it; the number of rows.

    A failed insert aborts the run's transaction, and the rollback drops the table with everything else.
    """
    rows = one_value(
        con,
        f"""
        insert into {RAW_SCHEMA}.{raw_table} by name
        select {selected},
            ? as _source_file, ? as _sha256, ? as _snapshot_date, {row_number} as _row_number,
            ? as _run_id, ? as _loaded_at
        from {FILE_ROWS} as rows, (select min(rowid) - 1 as rowid from {FILE_ROWS}) as before_first
        """,
        provenance,
    )
    con.execute(f"drop table {FILE_ROWS}")
    return rows


def _unreadable_message(delivered: DeliveredFile, error: Exception) -> str:
    first_line = str(error).strip().splitlines()[0]
    line = re.search(r"CSV Error on Line: (\d+)", str(error))
    where = f" at line {line.group(1)}" if line else ""
    spec = delivered.spec
    cause = f"a wrong number of '{spec.delimiter}' separators"
    if spec.quote:
        cause = f"a stray quote or {cause}"
    return (
        f"{delivered.relative_path}: the CSV reader could not read the file{where}: {first_line}. "
        f"Fix the row it names ({cause}) and run again."
    )


def archive(archive_dir: Path, delivered: DeliveredFile, sha256: str) -> Path:
    """Copy a delivered file into the archive under its sha256, read-only; an archived file is never rewritten.

    A file delivered inside a zip is archived extracted: the archive holds the bytes raw was loaded from.
    """
    archive_dir.mkdir(parents=True, exist_ok=True)
    target = archive_dir / f"{sha256}{delivered.suffix}"
    if not target.exists():
        partial = target.with_name(f".{target.name}.partial")
        # left read-only by a run killed before the rename
        partial.unlink(missing_ok=True)
        if delivered.member is None:
            shutil.copyfile(delivered.path, partial)
        else:
            with delivered.open() as source, partial.open("wb") as out:
                shutil.copyfileobj(source, out, CHUNK_BYTES)
        partial.chmod(0o444)
        partial.replace(target)
    return target


def _readable_copy(settings: Settings, archived: Path, inspection: Inspection) -> Path:
    """The file DuckDB reads: the archived bytes themselves when UTF-8, else a UTF-8 working copy."""
    if inspection.encoding == "utf-8":
        return archived
    settings.duckdb_temp_dir.mkdir(parents=True, exist_ok=True)
    working = settings.duckdb_temp_dir / f"{inspection.sha256}.utf8.csv"
    if inspection.encoding == "xlsx":
        excel_to_csv(archived, working)
    else:
        transcode_to_utf8(archived, inspection.encoding, working)
    return working


__all__ = [
    "AcceptanceRefused",
    "Completeness",
    "FileLoad",
    "LandingError",
    "LoadReport",
    "RowCount",
    "accept_snapshot",
    "archive",
    "load_landing",
]
