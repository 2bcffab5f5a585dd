"""The nightly DAG's dbt tasks, run by Cosmos: one `dbt build` of the whole project, and the `dbt docs`
site analysts read column meanings and lineage in.

Both run in-process through dbt's Python runner and take the one-slot DuckDB pool, so no two tasks ever
open the build database for writing at the same time; like every task that writes the home, each holds
the home's lock while it runs (pv_warehouse.core.home_tasks).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from pv_warehouse.core.home_tasks import DUCKDB_POOL, home_task
from pv_warehouse.core.offline_html import dbt_docs_offline
from pv_warehouse.core.run_records import dbt_results_file
from pv_warehouse.core.settings import ENV_RUN_ID, Settings

PROFILE_NAME = "pv_warehouse"
TARGET_NAME = "build"


def _profile_config() -> Any:
    from cosmos import ProfileConfig

    return ProfileConfig(
        profile_name=PROFILE_NAME,
        target_name=TARGET_NAME,
        profiles_yml_filepath=Settings.from_env().dbt_project_dir / "profiles.yml",
    )


def _dbt_task_args() -> dict[str, Any]:
    """What both dbt tasks share: the project, the profile, dbt in-process, the one-slot pool, the run's id
    in the environment, and a cache of dbt's partial parse under the home. Both tasks give dbt the same vars
    (none) and environment, so each starts from the parse the task before saved: dbt parses again only the
    files changed since, and the models reading the run's id, instead of the whole project twice a night."""
    from cosmos.constants import InvocationMode

    settings = Settings.from_env()
    return {
        "project_dir": settings.dbt_project_dir,
        "cache_dir": settings.dbt_parse_cache_dir,
        "profile_config": _profile_config(),
        "invocation_mode": InvocationMode.DBT_RUNNER,
        "dbt_executable_path": Path(sys.executable).parent / "dbt",
        "install_deps": False,
        # Cosmos's lineage URIs are not valid Airflow 3 asset URIs; no DAG schedules on them
        "emit_datasets": False,
        "pool": DUCKDB_POOL,
        "env": {ENV_RUN_ID: "{{ run_id }}"},
    }


def _holding_home(operator_class: type) -> type:
    """`operator_class` whose run holds the home's lock, as the pipeline's other tasks do."""

    class HoldingHome(operator_class):
        def execute(self, context: Any) -> Any:
            with home_task(self.task_id, context["run_id"]):
                return super().execute(context)

    HoldingHome.__name__ = HoldingHome.__qualname__ = operator_class.__name__
    return HoldingHome


def build_task(task_id: str = "transform") -> Any:
    """The Cosmos task that runs one `dbt build` of staging, intermediate, quarantine and marts.

    One dbt process builds every model and runs every data test in dependency order, so dbt's start-up and
    project parsing are paid once a night instead of once per model; dbt's run results, kept per run, give
    each model's and each test's seconds and status.
    """
    from cosmos.operators.local import DbtBuildLocalOperator

    return _holding_home(DbtBuildLocalOperator)(
        task_id=task_id,
        **_dbt_task_args(),
        # unit tests check the code against the study's default parameters: they run in `make test`,
        # not nightly, so a study changing a parameter is not blocked by a test of the default
        dbt_cmd_flags=["--exclude", "resource_type:unit_test"],
        callback=keep_run_results,
    )


def keep_run_results(project_dir: str, context: dict[str, Any], **_: Any) -> Path:
    """Keep dbt's run results (status and seconds of every model and test) with the run's other records."""

    generated = Path(project_dir) / "target" / "run_results.json"
    if not generated.is_file():
        raise FileNotFoundError(f"{generated}: `dbt build` wrote no run results; see this task's log")
    target = dbt_results_file(Settings.from_env(), context["run_id"])
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(generated, target)
    return target


def docs_site_task(task_id: str = "dbt_docs") -> Any:
    """The Cosmos task that runs `dbt docs generate --static` and puts the site under reports/dbt_docs/."""
    from cosmos.operators.local import DbtDocsLocalOperator

    return _holding_home(DbtDocsLocalOperator)(
        task_id=task_id,
        **_dbt_task_args(),
        # one self-contained HTML file: manifest and catalog inside, opens from disk without a server
        dbt_cmd_flags=["--static"],
        callback=publish_dbt_docs,
    )


def publish_dbt_docs(project_dir: str, **_: Any) -> Path:
    """Copy the static site dbt generated in Cosmos's working copy of the project to reports/dbt_docs/,
    with dbt's usage tracker off."""
    settings = Settings.from_env()
    generated = Path(project_dir) / "target" / "static_index.html"
    if not generated.is_file():
        raise FileNotFoundError(f"{generated}: `dbt docs generate --static` wrote no site; see this task's log")
    target = settings.dbt_docs_index
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(target.name + ".new")
    # the page embeds its styles and scripts; its usage tracker, the one thing it would load from
    # outside, is kept off so it opens on a machine with no network
    html = generated.read_text(encoding="utf-8")
    staged.write_text(dbt_docs_offline(html), encoding="utf-8")
    staged.replace(target)
    return target
