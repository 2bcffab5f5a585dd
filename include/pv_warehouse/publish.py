"""Publish: copy the marts schema into a new file, then rename it onto analytics.duckdb.

Readers holding the previous file keep reading it (the rename swaps the directory entry, not the
bytes they have open); a refresh that fails before the rename leaves the published file untouched.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from pv_warehouse.warehouse import quote_identifier

if TYPE_CHECKING:
    from pv_warehouse.config import Settings

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
    staged.replace(settings.published_db)
    _fsync(settings.published_db.parent)
    log.info("published %d marts tables to %s", len(tables), settings.published_db)
    return settings.published_db


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
