"""Nightly pharmacovigilance warehouse refresh.

landing -> archive -> raw (load_raw) -> dbt staging, intermediate, quarantine and marts (transform)
-> Great Expectations checkpoint (validate) -> atomic publish of analytics.duckdb (publish).

Every task touching the DuckDB build database takes the one-slot pool `pv_warehouse_duckdb`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task
from cosmos import DbtTaskGroup

from pv_warehouse.config import task_retries
from pv_warehouse.pipeline import DUCKDB_POOL
from pv_warehouse.progress import task_failed, task_started, task_succeeded
from pv_warehouse.transform import cosmos_task_group_args


@dag(
    dag_id="pv_warehouse_nightly",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Paris"),
    catchup=False,
    max_active_runs=1,
    default_args={
        "retries": task_retries(),
        "retry_delay": pendulum.duration(minutes=5),
        "on_execute_callback": task_started,
        "on_success_callback": task_succeeded,
        "on_failure_callback": task_failed,
    },
    tags=["pharmacovigilance", "nightly"],
    doc_md=__doc__,
)
def pv_warehouse_nightly() -> None:
    @task(pool=DUCKDB_POOL)
    def load_raw(run_id: str | None = None) -> dict[str, object]:
        from pv_warehouse.pipeline import load_raw

        return load_raw(run_id)

    transform = DbtTaskGroup(group_id="transform", **cosmos_task_group_args())

    @task(pool=DUCKDB_POOL)
    def validate(run_id: str | None = None) -> dict[str, object]:
        from pv_warehouse.pipeline import validate

        return validate(run_id)

    @task(pool=DUCKDB_POOL)
    def publish(run_id: str | None = None) -> str:
        from pv_warehouse.pipeline import publish

        return publish(run_id)

    load_raw() >> transform >> validate() >> publish()


pv_warehouse_nightly()
