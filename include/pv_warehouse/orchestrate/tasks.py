"""The nightly pipeline's stages, one function per Airflow task.

Each takes the run id, rebuilds the settings from the environment, and turns a refusal the data
steward must act on (bad landing file, failed critical expectation) into a failure Airflow does not
retry: running it again without a fix would fail the same way.

Every task that writes the home runs inside `home_task` (pv_warehouse.core.home_tasks), holding the
home's lock.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from pv_warehouse.core.home_tasks import home_task
from pv_warehouse.core.pseudonymise import MissingPseudonymKey, require_secret
from pv_warehouse.core.run_records import record_unchanged, validation_file
from pv_warehouse.core.settings import Settings
from pv_warehouse.ingest.contract import LandingError
from pv_warehouse.ingest.load import load_landing
from pv_warehouse.publish.input_fingerprint import inputs_fingerprint, record_published_inputs, unchanged_since_publish
from pv_warehouse.publish.marts import publish as publish_marts
from pv_warehouse.publish.marts import republish_unchanged
from pv_warehouse.serve.steward_report import write_report
from pv_warehouse.validate.suites import ValidationFailed, raise_for_critical, run_validation

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


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

    settings = Settings.from_env()
    published = publish_marts(settings, run_id)
    record_published_inputs(settings, run_id, fingerprint)
    return str(published)


@_holds_home
def report(run_id: str, task_ids: list[str]) -> str:
    """Write the data steward's report of the run, whether it succeeded or not."""

    return str(write_report(Settings.from_env(), run_id, task_ids))


def end_run() -> None:
    """Fail the run: reached only when an earlier task failed, after the report was written."""
    from airflow.sdk.exceptions import AirflowFailException

    raise AirflowFailException(
        "an earlier task failed, so this run fails; the steward report (reports/steward.html under the home) "
        "says which task and whether this run's marts were published"
    )
