"""Run the nightly DAG once, in this process, through Airflow's `dag.test()` on a SQLite metadata DB.

The metadata database, logs and Cosmos cache live under `<home>/airflow`; the environment is set
before Airflow is first imported, as Airflow reads its configuration at import time.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from pv_warehouse.config import Settings

DAG_ID = "pv_warehouse_nightly"

log = logging.getLogger(__name__)


def airflow_environment(settings: Settings) -> dict[str, str]:
    """Airflow, Cosmos, dbt and GX settings for an in-process run kept under the home folder."""
    home = settings.airflow_home
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(settings.dags_dir),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__COSMOS__CACHE_DIR": str(home / "cosmos_cache"),
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "GX_ANALYTICS_ENABLED": "False",
    }


@dataclass(frozen=True)
class RunOutcome:
    """How one run of the nightly DAG ended, task by task."""

    run_id: str
    state: str
    task_states: dict[str, str]

    @property
    def succeeded(self) -> bool:
        return self.state == "success"

    @property
    def failed_tasks(self) -> list[str]:
        return [task for task, state in self.task_states.items() if state in ("failed", "upstream_failed")]


class DagImportError(RuntimeError):
    """The DAG folder did not parse."""


def prepare_environment(settings: Settings) -> None:
    settings.airflow_home.mkdir(parents=True, exist_ok=True)
    os.environ.update(settings.to_env())
    os.environ.update(airflow_environment(settings))


def migrate_metadata_db() -> None:
    """Create or upgrade the SQLite metadata database and the one-slot DuckDB pool."""
    from airflow.models.pool import Pool
    from airflow.utils.db import initdb

    from pv_warehouse.pipeline import DUCKDB_POOL, DUCKDB_POOL_DESCRIPTION

    initdb()
    Pool.create_or_update_pool(DUCKDB_POOL, slots=1, description=DUCKDB_POOL_DESCRIPTION, include_deferred=False)


def run_nightly_once(settings: Settings) -> RunOutcome:
    """Parse the DAG folder and run `pv_warehouse_nightly` once with `dag.test()`."""
    prepare_environment(settings)
    migrate_metadata_db()
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(settings.dags_dir))
    if bag.import_errors:
        details = "; ".join(f"{path}: {error.strip().splitlines()[-1]}" for path, error in bag.import_errors.items())
        raise DagImportError(f"the DAG folder {settings.dags_dir} did not parse: {details}")
    dag = bag.dags[DAG_ID]
    run = dag.test()
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    return RunOutcome(run.run_id, str(run.state), states)
