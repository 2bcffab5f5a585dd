"""The nightly pipeline's stages, one function per Airflow task.

Each takes the run id, rebuilds the settings from the environment, and turns a refusal the data
steward must act on (bad landing file, failed critical expectation) into a failure Airflow does not
retry: running it again without a fix would fail the same way.

Every task that writes the home runs inside `home_task`: it holds the home's lock (pv_warehouse.home_lock)
for its duration, waiting for a refresh started by hand on the same home rather than failing on DuckDB's
own lock, and a full disk or an unwritable home fails it with a sentence saying so.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from pv_warehouse import home_lock, problems
from pv_warehouse.config import Settings

log = logging.getLogger(__name__)

DUCKDB_POOL = "pv_warehouse_duckdb"
DUCKDB_POOL_DESCRIPTION = "One writer at a time on the pipeline's DuckDB build database."

P = ParamSpec("P")
R = TypeVar("R")


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


def _holds_home(stage: Callable[P, R]) -> Callable[P, R]:
    """`stage(run_id, ...)` run by `home_task` under the task id it is named after."""

    @functools.wraps(stage)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        run_id = str(args[0] if args else kwargs["run_id"])
        with home_task(stage.__name__, run_id):
            return stage(*args, **kwargs)

    return run


@_holds_home
def load_raw(run_id: str) -> dict[str, object]:
    """Landing -> archive -> raw; returns the rows read per file."""
    from airflow.sdk.exceptions import AirflowFailException

    from pv_warehouse.landing import LandingError
    from pv_warehouse.load import load_landing
    from pv_warehouse.pseudonymise import MissingPseudonymKey, require_secret

    try:
        require_secret()
    except MissingPseudonymKey as error:
        raise AirflowFailException(f"run refused, nothing loaded or published: {error}") from error
    try:
        report = load_landing(Settings.from_env(), run_id)
    except LandingError as error:
        raise AirflowFailException(f"landing refused, nothing published: {error}") from error
    return report.as_dict()


@_holds_home
def check_changes(run_id: str, rebuild: bool = False) -> str | None:
    """Tonight's inputs fingerprint, or None when the published warehouse was built from the same inputs:
    the file is then replaced by an identical copy and the rest of the run skipped, since it would
    publish the same marts again."""
    from pv_warehouse.changes import inputs_fingerprint, unchanged_since_publish
    from pv_warehouse.pseudonymise import require_secret
    from pv_warehouse.publish import republish_unchanged
    from pv_warehouse.run_records import record_unchanged

    settings = Settings.from_env()
    fingerprint = inputs_fingerprint(settings, require_secret())
    unchanged = unchanged_since_publish(settings, fingerprint, rebuild)
    if unchanged is None:
        return fingerprint
    log.info("nothing new since run %s: no delivery, no rule changed; the marts are not rebuilt", unchanged.run_id)
    republish_unchanged(settings, run_id)
    record_unchanged(settings, run_id, unchanged.run_id, unchanged.published_at)
    return None


@_holds_home
def validate(run_id: str) -> dict[str, object]:
    """Run the Great Expectations checkpoint on the marts; a critical failure stops publication."""
    from airflow.sdk.exceptions import AirflowFailException

    from pv_warehouse.run_records import validation_file
    from pv_warehouse.validate import ValidationFailed, raise_for_critical, run_validation

    settings = Settings.from_env()
    outcome = run_validation(settings, run_id)
    outcome.save(validation_file(settings, run_id))
    for warning in outcome.warnings:
        log.warning("expectation warning on %s: %s (%s)", warning.dataset, warning.rule, warning.observed)
    try:
        raise_for_critical(outcome)
    except ValidationFailed as error:
        raise AirflowFailException(str(error)) from error
    return {
        "evaluated": outcome.evaluated,
        "warnings": len(outcome.warnings),
        "data_docs": str(outcome.data_docs_index),
    }


@_holds_home
def publish(run_id: str, fingerprint: str) -> str:
    """Move the validated marts onto the published analytics.duckdb and record the inputs they came from."""
    from pv_warehouse.changes import record_published_inputs
    from pv_warehouse.publish import publish as publish_marts

    settings = Settings.from_env()
    published = publish_marts(settings, run_id)
    record_published_inputs(settings, run_id, fingerprint)
    return str(published)


@_holds_home
def report(run_id: str, task_ids: list[str]) -> str:
    """Write the data steward's report of the run, whether it succeeded or not."""
    from pv_warehouse.steward_report import write_report

    return str(write_report(Settings.from_env(), run_id, task_ids))


def end_run() -> None:
    """Fail the run: reached only when an earlier task failed, after the report was written."""
    from airflow.sdk.exceptions import AirflowFailException

    raise AirflowFailException(
        "an earlier task failed, so this run fails; the steward report (reports/steward.html under the home) "
        "says which task and whether this run's marts were published"
    )
