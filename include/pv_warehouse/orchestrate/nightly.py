"""What the nightly DAG (dags/pv_warehouse_nightly.py) is assembled from, so the DAG file imports this
module only: its id, its default arguments (retries, the progress callbacks, the data steward's e-mail on a
failure), the one-slot DuckDB pool, the stage function of each task and the two dbt tasks Cosmos runs."""

from __future__ import annotations

from typing import Any

import pendulum

from pv_warehouse.core.home_tasks import DUCKDB_POOL
from pv_warehouse.core.settings import Settings
from pv_warehouse.orchestrate import tasks
from pv_warehouse.orchestrate.notify import failure_notifiers
from pv_warehouse.orchestrate.progress import task_failed, task_started, task_succeeded
from pv_warehouse.transform.operators import build_task, docs_site_task

__all__ = ["DAG_ID", "DUCKDB_POOL", "build_task", "default_args", "docs_site_task", "tasks"]

DAG_ID = "pv_warehouse_nightly"


def default_args() -> dict[str, Any]:
    """Every task's retries and callbacks: progress events for the run records, and the steward's e-mail."""
    return {
        # PV_WAREHOUSE_TASK_RETRIES (2 when unset); `refresh --retries`, 0 by default, reaches it the same way
        "retries": Settings.from_env().task_retries,
        "retry_delay": pendulum.duration(minutes=5),
        "on_execute_callback": task_started,
        "on_success_callback": task_succeeded,
        "on_failure_callback": [task_failed, *failure_notifiers()],
    }
