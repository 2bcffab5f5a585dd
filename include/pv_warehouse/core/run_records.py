"""What happened in a run, kept under `<home>/runs/<run id>/` for the command line and the steward report.

Task callbacks append one line per task event to `tasks.jsonl` (task, state, time, try) and the failing
task's message to `failures.json`; the validation task saves its outcome as `validation.json`; the load
saves the row counts it compared with the previous snapshot as `completeness.json`. The snapshots an
operator accepted despite a fall in rows are kept for every run in `<home>/runs/snapshot_acceptances.jsonl`.
Nothing here holds row values: messages name files, rows, columns and rules.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pv_warehouse.core.settings import Settings


def run_dir(settings: Settings, run_id: str) -> Path:
    """The run's own folder under the home (the run id made safe as a folder name)."""
    return settings.home_dir / "runs" / re.sub(r"[^A-Za-z0-9_.-]+", "_", run_id)


def failure_file(settings: Settings, run_id: str) -> Path:
    return run_dir(settings, run_id) / "failures.json"


def validation_file(settings: Settings, run_id: str) -> Path:
    return run_dir(settings, run_id) / "validation.json"


def unchanged_file(settings: Settings, run_id: str) -> Path:
    """Written when the run found nothing new: the published run whose inputs it shares."""
    return run_dir(settings, run_id) / "unchanged.json"


def record_unchanged(settings: Settings, run_id: str, published_run_id: str, published_at: str) -> None:
    path = unchanged_file(settings, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"run_id": published_run_id, "published_at": published_at}), encoding="utf-8")


def read_unchanged(settings: Settings, run_id: str) -> dict[str, str] | None:
    path = unchanged_file(settings, run_id)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def dbt_results_file(settings: Settings, run_id: str) -> Path:
    """dbt's run_results.json of the run's `dbt build`: status and seconds of every model and test."""
    return run_dir(settings, run_id) / "dbt_run_results.json"


def _events_file(settings: Settings, run_id: str) -> Path:
    return run_dir(settings, run_id) / "tasks.jsonl"


def record_task_event(context: dict[str, Any], state: str) -> None:
    """Airflow task callback: append the task's new state and the time to the run's events."""
    ti = context["ti"]
    path = _events_file(Settings.from_env(), context["run_id"])
    path.parent.mkdir(parents=True, exist_ok=True)
    event = {
        "task_id": ti.task_id,
        "state": state,
        "at": dt.datetime.now(dt.UTC).isoformat(),
        "try_number": getattr(ti, "try_number", None),
    }
    with path.open("a", encoding="utf-8") as events:
        events.write(json.dumps(event) + "\n")


def record_task_failure(context: dict[str, Any]) -> None:
    """Airflow task failure callback: append the task and its error message to the run's failure file."""
    ti = context["ti"]
    path = failure_file(Settings.from_env(), context["run_id"])
    path.parent.mkdir(parents=True, exist_ok=True)
    failures = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    failures.append({"task_id": ti.task_id, "error": str(context.get("exception") or "see the task log")})
    path.write_text(json.dumps(failures, indent=2, ensure_ascii=False), encoding="utf-8")


def read_failures(settings: Settings, run_id: str) -> list[dict[str, str]]:
    path = failure_file(settings, run_id)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


@dataclass(frozen=True)
class TaskTiming:
    """One task of a run: its last state, when it started and how long its last try took."""

    task_id: str
    state: str
    started_at: dt.datetime
    seconds: float | None
    tries: int


def read_task_timings(settings: Settings, run_id: str) -> list[TaskTiming]:
    """The run's tasks in the order they started, from the events the callbacks recorded."""
    path = _events_file(settings, run_id)
    if not path.exists():
        return []
    started: dict[str, dt.datetime] = {}
    timings: dict[str, TaskTiming] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        task_id, at = event["task_id"], dt.datetime.fromisoformat(event["at"])
        if event["state"] == "running":
            tries = timings[task_id].tries + 1 if task_id in timings else 1
            started[task_id] = at
            timings[task_id] = TaskTiming(task_id, "running", at, None, tries)
        elif task_id in timings:
            begun = started[task_id]
            timings[task_id] = TaskTiming(
                task_id, event["state"], begun, (at - begun).total_seconds(), timings[task_id].tries
            )
    return sorted(timings.values(), key=lambda timing: timing.started_at)


# -- completeness: row counts against the previous snapshot, and the snapshots an operator accepted ----------

# what the load concluded of a file's data rows against the same file of the previous snapshot
FIRST_SNAPSHOT = "first snapshot"
WITHIN_LIMIT = "within the limit"
ACCEPTED = "accepted"
REFUSED = "refused"


def percent(value: float) -> str:
    """75 -> "75", 20.5 -> "20.5": a percentage as the refusal and the steward report write it."""
    return f"{value:.1f}".removesuffix(".0")


def completeness_file(settings: Settings, run_id: str) -> Path:
    """The load's row counts of every hospital and national file it checked, against the previous snapshot."""
    return run_dir(settings, run_id) / "completeness.json"


def record_completeness(settings: Settings, run_id: str, record: dict[str, Any]) -> None:
    path = completeness_file(settings, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")


def read_completeness(settings: Settings, run_id: str) -> dict[str, Any] | None:
    path = completeness_file(settings, run_id)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def latest_refusal(settings: Settings, snapshot: str) -> tuple[str, dict[str, Any]] | None:
    """The newest run that refused `snapshot` ("hospital/2016-06-15") for a fall in rows: its id and record."""
    runs = settings.home_dir / "runs"
    found: list[tuple[str, str, dict[str, Any]]] = []
    for path in runs.glob("*/completeness.json") if runs.is_dir() else ():
        record = json.loads(path.read_text(encoding="utf-8"))
        if any(f["snapshot"] == snapshot and f["verdict"] == "refused" for f in record["files"]):
            found.append((record["checked_at"], record["run_id"], record))
    if not found:
        return None
    _, run_id, record = max(found, key=lambda item: item[0])
    return run_id, record


def acceptances_file(settings: Settings) -> Path:
    """Every snapshot an operator accepted despite a fall in rows (`pv-warehouse accept-snapshot`), one JSON
    object a line: who, when, why, and the files (by sha256) with their counts."""
    return settings.home_dir / "runs" / "snapshot_acceptances.jsonl"


def record_acceptance(settings: Settings, acceptance: dict[str, Any]) -> None:
    path = acceptances_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as acceptances:
        acceptances.write(json.dumps(acceptance, ensure_ascii=False) + "\n")


def read_acceptances(settings: Settings) -> list[dict[str, Any]]:
    """The acceptances in the order they were made."""
    path = acceptances_file(settings)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
