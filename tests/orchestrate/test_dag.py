"""The nightly DAG parses without error and is scheduled as the operations team expects."""

from __future__ import annotations

import datetime as dt

import pytest

from helpers import NIGHTLY_TASKS, PROJECT_DIR
from pv_warehouse.core.settings import Settings
from pv_warehouse.orchestrate.nightly import DAG_ID


@pytest.fixture(scope="module")
def dag(airflow_db: None):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(PROJECT_DIR / "dags"))
    assert bag.import_errors == {}
    return bag.dags[DAG_ID]


def test_dag_runs_nightly_at_two_paris_time_without_catchup(dag) -> None:
    assert dag.timetable.expression == "0 2 * * *"
    assert str(dag.timetable.timezone) == "Europe/Paris"
    assert dag.catchup is False
    assert dag.max_active_runs == 1


def test_dag_chains_load_transform_validate_publish(dag) -> None:
    task_ids = set(dag.task_ids)
    assert task_ids == {*NIGHTLY_TASKS, "end_run"}
    assert dag.get_task("check_changes").upstream_task_ids == {"load_raw"}
    assert dag.get_task("transform").upstream_task_ids == {"check_changes"}
    assert dag.get_task("validate").upstream_task_ids == {"transform"}
    # publish records the inputs fingerprint check_changes found
    assert dag.get_task("publish").upstream_task_ids == {"validate", "check_changes"}


def test_a_night_with_nothing_new_skips_the_build_and_still_writes_the_report(dag) -> None:
    check = dag.get_task("check_changes")
    assert type(check).__name__ == "_ShortCircuitDecoratedOperator"
    # only its direct downstream tasks are skipped; the report's own trigger rule still holds
    assert check.ignore_downstream_trigger_rules is False
    assert "report" not in check.downstream_task_ids


def test_one_dbt_build_runs_every_model_and_test_but_the_unit_tests(dag) -> None:
    build = dag.get_task("transform")
    assert type(build).__name__ == "DbtBuildLocalOperator"
    assert build.dbt_cmd_flags == ["--exclude", "resource_type:unit_test"]
    # the run's id reaches the quarantine models through the environment: no dbt var changes nightly
    assert build.vars is None
    assert build.env == {"PV_WAREHOUSE_RUN_ID": "{{ run_id }}"}
    # dbt's partial parse is kept under the home for the next dbt task and night
    assert build.cache_dir == Settings.from_env().dbt_parse_cache_dir
    assert build.install_deps is False


def test_the_dbt_docs_site_is_generated_after_publishing(dag) -> None:
    docs = dag.get_task("dbt_docs")
    assert type(docs).__name__ == "DbtDocsLocalOperator"
    assert docs.upstream_task_ids == {"publish"}
    assert docs.dbt_cmd_flags == ["--static"]
    # the same environment as the build's, so the docs reuse the build's parse of the project
    assert docs.env == {"PV_WAREHOUSE_RUN_ID": "{{ run_id }}"}
    assert docs.cache_dir == dag.get_task("transform").cache_dir
    assert docs.required_files == ["static_index.html"]


def test_every_task_on_the_duckdb_file_takes_the_one_slot_pool_and_retries(dag) -> None:
    for task in dag.tasks:
        if task.task_id == "end_run":
            continue
        assert task.pool == "pv_warehouse_duckdb", task.task_id
        # a report that failed once is not worth a five-minute wait: it is written again by the next run
        assert task.retries == (0 if task.task_id == "report" else 2), task.task_id
        assert task.retry_delay == dt.timedelta(minutes=5)


def test_the_report_is_always_written_and_a_failed_task_fails_the_run(dag) -> None:
    from airflow.task.trigger_rule import TriggerRule

    report = dag.get_task("report")
    assert report.upstream_task_ids == {"dbt_docs"}
    assert report.trigger_rule == TriggerRule.ALL_DONE
    end_run = dag.get_task("end_run")
    assert end_run.trigger_rule == TriggerRule.ONE_FAILED
    assert end_run.upstream_task_ids == set(NIGHTLY_TASKS)
    # end_run's own failure is no news: it neither records a failure nor e-mails
    assert not end_run.on_failure_callback
    assert end_run.retries == 0
