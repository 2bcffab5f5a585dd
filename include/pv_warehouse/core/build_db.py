"""Connections to the pipeline's private build database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pv_warehouse.core.settings import Settings

if TYPE_CHECKING:
    import duckdb

    from pv_warehouse.core.settings import Settings


def connect_build(settings: Settings, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the build database with the configured memory limit, threads and spill folder."""
    import duckdb

    settings.build_db.parent.mkdir(parents=True, exist_ok=True)
    settings.duckdb_temp_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.build_db), read_only=read_only, config=settings.duckdb_config())
    # a long load would draw DuckDB's progress bar into the task log
    con.execute("set enable_progress_bar = false")
    return con


def one_value(con: duckdb.DuckDBPyConnection, sql: str, parameters: object = None) -> Any:
    """The first column of the one row a query returns (a count, a number of rows inserted)."""
    row = con.execute(sql, parameters).fetchone()
    if row is None:
        raise LookupError(f"the query returned no row where one was expected: {sql}")
    return row[0]


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
