"""How Cosmos renders the dbt project into the nightly DAG: one `dbt build` task per model.

Every dbt task runs in-process through dbt's Python runner and takes the one-slot DuckDB pool, so no
two tasks ever open the build database for writing at the same time.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pv_warehouse.config import Settings
from pv_warehouse.pipeline import DUCKDB_POOL

PROFILE_NAME = "pv_warehouse"
TARGET_NAME = "build"


def cosmos_task_group_args() -> dict[str, Any]:
    """Keyword arguments of the `DbtTaskGroup` that builds staging, intermediate, quarantine and marts."""
    from cosmos import ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import (
        ExecutionMode,
        InvocationMode,
        LoadMode,
        SourceRenderingBehavior,
        TestBehavior,
    )

    settings = Settings.from_env()
    project_dir = settings.dbt_project_dir
    return {
        "project_config": ProjectConfig(dbt_project_path=project_dir),
        "profile_config": ProfileConfig(
            profile_name=PROFILE_NAME,
            target_name=TARGET_NAME,
            profiles_yml_filepath=project_dir / "profiles.yml",
        ),
        "execution_config": ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.DBT_RUNNER,
            dbt_executable_path=Path(sys.executable).parent / "dbt",
        ),
        "render_config": RenderConfig(
            load_method=LoadMode.DBT_LS,
            test_behavior=TestBehavior.BUILD,
            source_rendering_behavior=SourceRenderingBehavior.NONE,
            # a relationships test runs once both of its models are built, in a task of its own
            should_detach_multiple_parents_tests=True,
        ),
        "operator_args": {
            "install_deps": False,
            "pool": DUCKDB_POOL,
            "vars": {"run_id": "{{ run_id }}"},
        },
    }
