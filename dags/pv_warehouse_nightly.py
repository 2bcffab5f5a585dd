"""Nightly pharmacovigilance warehouse refresh.

landing -> archive -> raw (load_raw) -> anything new since the published warehouse? (check_changes; when
nothing is, the run stops there and the published file stays) -> one dbt build of staging, intermediate,
quarantine and marts (transform)
-> Great Expectations checkpoint (validate) -> atomic publish of analytics.duckdb (publish)
-> the dbt docs site for analysts (dbt_docs) -> the data steward's report (report, whatever happened
before) -> end_run, which runs only when a task failed and fails the run, since the report's success
would otherwise mark it successful.

Every task touching the DuckDB build database takes the one-slot pool `pv_warehouse_duckdb`, and every
task writing the home holds its lock (<home>/refresh.lock, pv_warehouse.core.home_lock), so a `refresh` run
by hand on the same home is waited for rather than fought on DuckDB's own lock. A failed
task e-mails the data steward when PV_WAREHOUSE_NOTIFY_EMAIL is set (pv_warehouse.orchestrate.notify).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pendulum
from airflow.sdk import dag, task
from airflow.task.trigger_rule import TriggerRule

from pv_warehouse.orchestrate.nightly import DAG_ID, DUCKDB_POOL, build_task, default_args, docs_site_task, tasks

if TYPE_CHECKING:
    from airflow.sdk import DAG
    from airflow.sdk.types import DagRunProtocol


@dag(
    dag_id=DAG_ID,
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Paris"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["pharmacovigilance", "nightly"],
    doc_md=__doc__,
)
def pv_warehouse_nightly() -> None:
    @task(pool=DUCKDB_POOL)
    def load_raw(run_id: str) -> dict[str, object]:
        return tasks.load_raw(run_id)

    @task.short_circuit(pool=DUCKDB_POOL, ignore_downstream_trigger_rules=False)
    def check_changes(run_id: str, dag_run: DagRunProtocol) -> str | None:
        return tasks.check_changes(run_id, rebuild=bool((dag_run.conf or {}).get("rebuild")))

    transform = build_task()

    @task(pool=DUCKDB_POOL)
    def validate(run_id: str) -> dict[str, object]:
        return tasks.validate(run_id)

    @task(pool=DUCKDB_POOL)
    def publish(fingerprint: str, run_id: str) -> str:
        return tasks.publish(run_id, fingerprint)

    dbt_docs = docs_site_task()

    @task(pool=DUCKDB_POOL, trigger_rule=TriggerRule.ALL_DONE, retries=0)
    def report(run_id: str, dag: DAG) -> str:
        return tasks.report(run_id, list(dag.task_ids))

    @task(trigger_rule=TriggerRule.ONE_FAILED, retries=0, on_failure_callback=[])
    def end_run() -> None:
        tasks.end_run()

    # Airflow hands each task its context keys (run_id, dag_run, dag) and the value behind an XComArg; its typing
    # of a task's call knows neither, so these calls are checked against the functions' own signatures
    loaded, changed, checked, reported = load_raw(), check_changes(), validate(), report()  # type: ignore[call-arg, misc]
    published = publish(changed)  # type: ignore[call-arg, arg-type, misc]
    loaded >> changed >> transform >> checked >> published >> dbt_docs >> reported
    [loaded, changed, transform, checked, published, dbt_docs, reported] >> end_run()


pv_warehouse_nightly()
