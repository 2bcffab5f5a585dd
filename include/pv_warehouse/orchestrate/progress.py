"""Progress of a run of the nightly DAG, for the command line.

Task callbacks report here: each event is recorded with the run (pv_warehouse.core.run_records) for the
steward report's timings. Under `refresh` the tasks run in the command's own process, which registers a
listener that draws a progress bar; under a scheduler nobody listens.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pv_warehouse.core import failpoints
from pv_warehouse.core.run_records import record_task_event, record_task_failure

Listener = Callable[[str, str], None]  # (task_id, state)

_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    _listeners.append(listener)


def stop_listening(listener: Listener) -> None:
    _listeners.remove(listener)


def _report(context: dict[str, Any], state: str) -> None:

    record_task_event(context, state)
    for listener in list(_listeners):
        listener(context["ti"].task_id, state)


def task_started(context: dict[str, Any]) -> None:
    """Airflow on_execute_callback."""

    _report(context, "running")
    failpoints.reach(f"task-start:{context['ti'].task_id}")


def task_succeeded(context: dict[str, Any]) -> None:
    """Airflow on_success_callback."""
    _report(context, "success")


def task_failed(context: dict[str, Any]) -> None:
    """Airflow on_failure_callback: also records the failure for the command line and the steward report."""

    record_task_failure(context)
    _report(context, "failed")
