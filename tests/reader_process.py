"""An analyst's reader, run as its own process by test_publish_resilience: read-only queries in a loop.

Usage: python reader_process.py reconnect|hold DATABASE LOG STOP_FILE

`reconnect` opens a fresh read-only connection each round, reads the version signature twice and
closes it; `hold` opens one connection at the start and reads through it every round. (DuckDB shares
one open database between the connections of a process to the same path, so the two kinds of reader
need processes of their own.) One JSON line per round goes to LOG: the time, the reads, or the error.
The loop ends when STOP_FILE exists.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

# counts and sums from every mart: two versions never share it, a mix of two would match neither
SIGNATURE = """
select
    (select count(*) from marts.dim_patients),
    (select count(*) from marts.fct_treatment_courses),
    (select count(*) from marts.fct_cutaneous_reactions),
    (select count(*) from marts.fct_pv_cases),
    (select count(*) filter (where is_in_query) from marts.fct_pv_cases),
    (select sum(numerator) from marts.study_summary),
    (select sum(n_patients) from marts.cohort_flow)
"""
PAUSE_S = 0.1


def signature(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [int(value) for value in con.execute(SIGNATURE).fetchone()]


def read_twice(con: duckdb.DuckDBPyConnection, entry: dict[str, object]) -> None:
    entry["read"] = signature(con)
    time.sleep(PAUSE_S / 2)
    entry["again"] = signature(con)


def main(mode: str, database: str, log_path: str, stop_file: str) -> None:
    held = duckdb.connect(database, read_only=True) if mode == "hold" else None
    with Path(log_path).open("a", encoding="utf-8") as log:
        while not Path(stop_file).exists():
            entry: dict[str, object] = {"at": time.time(), "mode": mode}
            try:
                if held is not None:
                    read_twice(held, entry)
                else:
                    with duckdb.connect(database, read_only=True) as con:
                        read_twice(con, entry)
            except Exception as error:  # every error is the finding: it is logged, not raised
                entry["error"] = f"{type(error).__name__}: {error}"
            log.write(json.dumps(entry) + "\n")
            log.flush()
            time.sleep(PAUSE_S)
    if held is not None:
        held.close()


if __name__ == "__main__":
    main(*sys.argv[1:5])
