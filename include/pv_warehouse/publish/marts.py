"""Publish: copy the marts schema into a new file, then rename it onto analytics.duckdb.

Readers holding the previous file keep reading it (the rename swaps the directory entry, not the
bytes they have open); a refresh that fails before the rename leaves the published file untouched.
The file being replaced is kept under `versions/` (a hard link: no copy), the newest
PV_WAREHOUSE_KEEP_VERSIONS of them, so `rollback` can put one back the same atomic way. Every mart is
also written as Parquet under `parquet/`, swapped in as a whole folder after the file.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from pv_warehouse.core import failpoints
from pv_warehouse.core.build_db import quote_identifier
from pv_warehouse.core.settings import Settings, kept_versions
from pv_warehouse.publish.input_fingerprint import forget_published_inputs

if TYPE_CHECKING:
    from pv_warehouse.core.settings import Settings

log = logging.getLogger(__name__)

PUBLISHED_SCHEMA = "marts"


def publish(settings: Settings, run_id: str) -> Path:
    """Write the build database's marts into a fresh file and move it atomically onto the published path."""
    import duckdb

    settings.publish_dir.mkdir(parents=True, exist_ok=True)
    staged = settings.publish_dir / f"analytics-{_file_safe(run_id)}.duckdb"
    staged.unlink(missing_ok=True)
    con = duckdb.connect(str(staged), config=settings.duckdb_config())
    try:
        con.execute(f"attach {_literal(settings.build_db)} as build (read_only)")
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables "
                "where table_catalog = 'build' and table_schema = ? order by table_name",
                [PUBLISHED_SCHEMA],
            ).fetchall()
        ]
        if not tables:
            raise RuntimeError(
                f"{settings.build_db}: the build database has no table in schema {PUBLISHED_SCHEMA}; "
                "nothing to publish. Check the dbt task logs of this run."
            )
        con.execute(f"create schema {PUBLISHED_SCHEMA}")
        for table in tables:
            name = f"{PUBLISHED_SCHEMA}.{quote_identifier(table)}"
            con.execute(f"create table {name} as select * from build.{name}")
        con.execute("detach build")
        con.execute("checkpoint")
    except BaseException:
        con.close()
        staged.unlink(missing_ok=True)
        raise
    con.close()
    _fsync(staged)
    _swap_in(settings, staged, run_id)
    log.info("published %d marts tables to %s", len(tables), settings.published_db)
    return settings.published_db


def republish_unchanged(settings: Settings, run_id: str) -> Path:
    """A night with nothing new: replace analytics.duckdb atomically by a copy of itself.

    Its marts are the ones this refresh would build from the same inputs, and each successful refresh
    replaces the published file. No version of identical bytes is kept, and the Parquet copies stay.
    """
    settings.publish_dir.mkdir(parents=True, exist_ok=True)
    staged = settings.publish_dir / f"analytics-{_file_safe(run_id)}.duckdb"
    staged.unlink(missing_ok=True)
    shutil.copyfile(settings.published_db, staged)
    _fsync(staged)
    staged.replace(settings.published_db)
    _fsync(settings.published_db.parent)
    log.info("nothing new: %s republished as it was", settings.published_db)
    return settings.published_db


def _swap_in(settings: Settings, staged: Path, label: str) -> None:
    """Keep the current published file as a version, rename `staged` onto it, then refresh the Parquet copy."""
    if settings.published_db.exists():
        settings.versions_dir.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        os.link(settings.published_db, settings.versions_dir / f"analytics-{stamp}-before-{_file_safe(label)}.duckdb")
    parquet = export_parquet(settings, staged)
    failpoints.reach("publish:staged")
    staged.replace(settings.published_db)
    _fsync(settings.published_db.parent)
    failpoints.reach("publish:swapped")
    _replace_folder(parquet, settings.parquet_dir)
    _prune_versions(settings)


def list_versions(settings: Settings) -> list[Path]:
    """Kept earlier published files, newest first."""
    if not settings.versions_dir.exists():
        return []
    return sorted(settings.versions_dir.glob("analytics-*.duckdb"), reverse=True)


def _prune_versions(settings: Settings) -> None:
    for old in list_versions(settings)[kept_versions() :]:
        old.unlink()


def rollback(settings: Settings, version: str | None = None) -> Path:
    """Put a kept version (the newest, or the one named) back as the published file, atomically.

    The file it replaces is kept as a version in turn, so a rollback can itself be undone.
    """
    versions = list_versions(settings)
    if not versions:
        raise FileNotFoundError(f"no earlier version is kept under {settings.versions_dir}: nothing to roll back to")
    chosen = versions[0] if version is None else settings.versions_dir / version
    if chosen not in versions:
        names = ", ".join(path.name for path in versions)
        raise FileNotFoundError(f"{version} is not a kept version; kept: {names}")

    # the file put back was built from other inputs than the ones recorded: the next night rebuilds
    forget_published_inputs(settings)
    settings.publish_dir.mkdir(parents=True, exist_ok=True)
    staged = settings.publish_dir / f"rollback-{chosen.name}"
    staged.unlink(missing_ok=True)
    os.link(chosen, staged)
    _swap_in(settings, staged, "rollback")
    chosen.unlink()
    log.info("rolled back %s to %s", settings.published_db, chosen.name)
    return chosen


def export_parquet(settings: Settings, source: Path) -> Path:
    """Write every mart of `source` as `<table>.parquet` into a new folder under publish/; return it."""
    import duckdb

    staging = settings.publish_dir / "parquet.new"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with duckdb.connect(str(source), read_only=True, config=settings.duckdb_config()) as con:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = ? order by 1",
                [PUBLISHED_SCHEMA],
            ).fetchall()
        ]
        for table in tables:
            target = staging / f"{table}.parquet"
            con.execute(f"copy {PUBLISHED_SCHEMA}.{quote_identifier(table)} to {_literal(target)} (format parquet)")
    return staging


def _replace_folder(new: Path, target: Path) -> None:
    """Move `new` onto `target`; the old folder is removed only once the new one is in place."""
    previous = target.with_name(target.name + ".old")
    shutil.rmtree(previous, ignore_errors=True)
    if target.exists():
        target.replace(previous)
    new.replace(target)
    shutil.rmtree(previous, ignore_errors=True)


def _file_safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
