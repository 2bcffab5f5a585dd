"""A task that writes the home: it holds the home's lock (pv_warehouse.core.home_lock) for its duration,
waiting for a refresh started by hand on the same home rather than failing on DuckDB's own lock, and a full
disk or an unwritable home fails it with a sentence saying so. Tasks touching the build database also take
the one-slot Airflow pool named here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from pv_warehouse.core import home_lock, problems
from pv_warehouse.core.settings import Settings

log = logging.getLogger(__name__)

DUCKDB_POOL = "pv_warehouse_duckdb"
DUCKDB_POOL_DESCRIPTION = "One writer at a time on the pipeline's DuckDB build database."


def create_duckdb_pool() -> None:
    """Create the one-slot pool in Airflow's metadata database, or set it back to one slot."""
    from airflow.models.pool import Pool

    Pool.create_or_update_pool(DUCKDB_POOL, slots=1, description=DUCKDB_POOL_DESCRIPTION, include_deferred=False)


class HomeProblem(RuntimeError):
    """A task stopped by its machine (a full disk, an unwritable home), not by the data: Airflow retries it."""


@contextmanager
def home_task(task_id: str, run_id: str) -> Iterator[None]:
    """Run a task's body holding the home's lock; a full disk or an unwritable home fails it with a sentence.

    Under `refresh` the command's own process already holds the lock, and the task re-enters it at once.
    """
    home = Settings.from_env().home_dir

    def waiting(holder: home_lock.Holder | None) -> None:
        log.warning("%s: %s waits for it to finish", home_lock.held_by(holder), task_id)

    try:
        with home_lock.holding(
            home, f"task {task_id} of run {run_id}", timeout=home_lock.task_timeout(), on_wait=waiting
        ):
            yield
    except home_lock.HomeLocked:
        raise
    except Exception as error:
        from airflow.sdk.exceptions import AirflowException

        # a refusal (AirflowFailException) says what it says, and must not become a retried failure
        if isinstance(error, AirflowException) or (problem := problems.explain(error, home)) is None:
            raise
        raise HomeProblem(str(problem)) from error
