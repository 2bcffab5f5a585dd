"""What failed in a run, kept under the home folder so the command line can tell the user why."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pv_warehouse.config import Settings


def failure_file(settings: Settings, run_id: str) -> Path:
    return settings.home_dir / "runs" / re.sub(r"[^A-Za-z0-9_.-]+", "_", run_id) / "failures.json"


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
