"""How Cosmos renders the dbt project into the nightly DAG: one `dbt build` task per model, and the
`dbt docs` site analysts read column meanings and lineage in.

Every dbt task runs in-process through dbt's Python runner and takes the one-slot DuckDB pool, so no
two tasks ever open the build database for writing at the same time.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from pv_warehouse.config import Settings
from pv_warehouse.pipeline import DUCKDB_POOL

PROFILE_NAME = "pv_warehouse"
TARGET_NAME = "build"


def _profile_config() -> Any:
    from cosmos import ProfileConfig

    return ProfileConfig(
        profile_name=PROFILE_NAME,
        target_name=TARGET_NAME,
        profiles_yml_filepath=Settings.from_env().dbt_project_dir / "profiles.yml",
    )


def cosmos_task_group_args() -> dict[str, Any]:
    """Keyword arguments of the `DbtTaskGroup` that builds staging, intermediate, quarantine and marts."""
    from cosmos import ExecutionConfig, ProjectConfig, RenderConfig
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
        # rendered from the manifest `pv-warehouse refresh` parses; from `dbt ls` when there is none
        "project_config": ProjectConfig(
            dbt_project_path=project_dir,
            manifest_path=settings.dbt_manifest if settings.dbt_manifest.exists() else None,
        ),
        "profile_config": _profile_config(),
        "execution_config": ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.DBT_RUNNER,
            dbt_executable_path=Path(sys.executable).parent / "dbt",
        ),
        "render_config": RenderConfig(
            load_method=LoadMode.AUTOMATIC,
            test_behavior=TestBehavior.BUILD,
            source_rendering_behavior=SourceRenderingBehavior.NONE,
            # a relationships test runs once both of its models are built, in a task of its own
            should_detach_multiple_parents_tests=True,
            # Cosmos's lineage URIs are not valid Airflow 3 asset URIs; no DAG schedules on them
            emit_datasets=False,
        ),
        "operator_args": {
            "install_deps": False,
            # unit tests check the code against the study's default parameters: they run in `make test`,
            # not nightly, so a study changing a parameter is not blocked by a test of the default
            "dbt_cmd_flags": ["--exclude", "resource_type:unit_test"],
            "pool": DUCKDB_POOL,
            "vars": {"run_id": "{{ run_id }}"},
        },
    }


def docs_site_task(task_id: str = "dbt_docs") -> Any:
    """The Cosmos task that runs `dbt docs generate --static` and puts the site under reports/dbt_docs/."""
    from cosmos.constants import InvocationMode
    from cosmos.operators.local import DbtDocsLocalOperator

    return DbtDocsLocalOperator(
        task_id=task_id,
        project_dir=Settings.from_env().dbt_project_dir,
        profile_config=_profile_config(),
        invocation_mode=InvocationMode.DBT_RUNNER,
        dbt_executable_path=Path(sys.executable).parent / "dbt",
        install_deps=False,
        # one self-contained HTML file: manifest and catalog inside, opens from disk without a server
        dbt_cmd_flags=["--static"],
        callback=publish_dbt_docs,
        pool=DUCKDB_POOL,
    )


def publish_dbt_docs(project_dir: str, **_: Any) -> Path:
    """Copy the static site dbt generated in Cosmos's working copy of the project to reports/dbt_docs/."""
    settings = Settings.from_env()
    generated = Path(project_dir) / "target" / "static_index.html"
    if not generated.is_file():
        raise FileNotFoundError(f"{generated}: `dbt docs generate --static` wrote no site; see this task's log")
    target = settings.dbt_docs_index
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(target.name + ".new")
    shutil.copyfile(generated, staged)
    staged.replace(target)
    return target


def ensure_manifest(settings: Settings) -> Path:
    """Parse the dbt project into the home's manifest when it is missing or older than a project file."""
    from dbt.cli.main import dbtRunner

    manifest = settings.dbt_manifest
    project_dir = settings.dbt_project_dir
    sources = [
        path
        for path in project_dir.rglob("*")
        if path.is_file() and path.relative_to(project_dir).parts[0] not in ("target", "logs", "dbt_packages")
    ]
    if manifest.exists() and manifest.stat().st_mtime >= max(p.stat().st_mtime for p in sources):
        return manifest
    result = dbtRunner().invoke(
        [
            "--quiet",
            "parse",
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            str(project_dir),
            "--target-path",
            str(settings.dbt_target_dir),
        ]
    )
    if not result.success:
        raise RuntimeError(f"dbt could not parse {project_dir}: {result.exception}")
    return manifest
