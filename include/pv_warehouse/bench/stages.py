"""The demo floor's plain processes: `python -m pv_warehouse.bench.stages load|validate RUN_ID`.

They call the same functions as the nightly DAG's tasks, without Airflow, so `pv-warehouse bench` can tell
what Airflow and Cosmos add to a refresh. Settings and the key come from the environment.
"""

from __future__ import annotations

import sys

from pv_warehouse.core.pseudonymise import require_secret
from pv_warehouse.core.settings import Settings
from pv_warehouse.ingest.load import load_landing
from pv_warehouse.validate.suites import run_validation


def main(argv: list[str]) -> int:
    stage, run_id = argv
    settings = Settings.from_env()
    if stage == "load":
        require_secret()
        load_landing(settings, run_id)
        return 0
    if stage == "validate":
        outcome = run_validation(settings, run_id)
        return 0 if outcome.success else 1
    raise SystemExit(f"unknown stage {stage!r}: expected load or validate")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
