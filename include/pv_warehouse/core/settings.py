"""Settings of one pipeline installation, built once from the environment.

Every path the pipeline touches derives from two folders: the landing folder the source systems drop
their extracts into, and the home folder the pipeline owns (archive, build database, Airflow home,
reports and the published warehouse).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[3]

ENV_LANDING = "PV_WAREHOUSE_LANDING"
ENV_HOME = "PV_WAREHOUSE_HOME"
ENV_PROJECT = "PV_WAREHOUSE_PROJECT_DIR"
ENV_MEMORY_LIMIT = "PV_WAREHOUSE_DUCKDB_MEMORY_LIMIT"
ENV_THREADS = "PV_WAREHOUSE_DUCKDB_THREADS"
ENV_TEMP_DIR = "PV_WAREHOUSE_DUCKDB_TEMP_DIR"
ENV_TASK_RETRIES = "PV_WAREHOUSE_TASK_RETRIES"
ENV_KEEP_VERSIONS = "PV_WAREHOUSE_KEEP_VERSIONS"
# the nightly run's id, which the quarantine models write on each row ("manual" when dbt is run by hand): an
# environment variable, not a dbt var, since a var changing every night would make dbt parse the whole
# project again each time, where a changed env_var re-parses only the models that read it
ENV_RUN_ID = "PV_WAREHOUSE_RUN_ID"
# DuckDB's spill folder when PV_WAREHOUSE_DUCKDB_TEMP_DIR is unset or empty, under the home folder
HOME_TEMP_DIR = Path("build") / "tmp"

# a DuckDB connection's `config`, as duckdb.connect's signature types it (a dict is invariant: no narrower one fits)
DuckDBConfig = dict[str, str | bool | int | float | list[str]]


@dataclass(frozen=True)
class Settings:
    """Where the pipeline reads, writes and publishes, and how hard DuckDB may work."""

    landing_dir: Path
    home_dir: Path
    project_dir: Path = PROJECT_DIR
    duckdb_memory_limit: str = "4GB"
    duckdb_threads: int = 2
    # where DuckDB spills what does not fit in its memory limit (PV_WAREHOUSE_DUCKDB_TEMP_DIR, DuckDB's
    # temp_directory), and where the load writes its UTF-8 working copies; a relative path is under the home
    duckdb_temp_dir: Path = HOME_TEMP_DIR
    # retries of each nightly task, 5 minutes apart; refusals are never retried
    task_retries: int = 2

    def __post_init__(self) -> None:
        # the folder itself, so every reader gets a usable path: a copy of these settings for another home
        # is built with from_env(home_dir=...), not dataclasses.replace, which would keep this home's folder
        if not self.duckdb_temp_dir.is_absolute():
            object.__setattr__(self, "duckdb_temp_dir", self.home_dir / self.duckdb_temp_dir)

    @classmethod
    def from_env(
        cls, *, landing_dir: Path | None = None, home_dir: Path | None = None, task_retries: int | None = None
    ) -> Settings:
        """The settings the PV_WAREHOUSE_* variables give (each at its default when unset or empty); an
        argument given here, as a command-line option, takes the place of its variable."""
        project_dir = Path(os.environ.get(ENV_PROJECT, PROJECT_DIR)).resolve()
        temp_dir = os.environ.get(ENV_TEMP_DIR)
        return cls(
            landing_dir=(landing_dir or Path(os.environ.get(ENV_LANDING, project_dir / "data" / "landing"))).resolve(),
            home_dir=(home_dir or Path(os.environ.get(ENV_HOME, project_dir / "warehouse"))).resolve(),
            project_dir=project_dir,
            duckdb_memory_limit=os.environ.get(ENV_MEMORY_LIMIT, "4GB"),
            duckdb_threads=int(os.environ.get(ENV_THREADS, "2")),
            duckdb_temp_dir=Path(temp_dir).resolve() if temp_dir else HOME_TEMP_DIR,
            task_retries=int(os.environ.get(ENV_TASK_RETRIES, "2")) if task_retries is None else task_retries,
        )

    def to_env(self) -> dict[str, str]:
        """The environment variables that rebuild these settings in another process or task."""
        return {
            ENV_LANDING: str(self.landing_dir),
            ENV_HOME: str(self.home_dir),
            ENV_PROJECT: str(self.project_dir),
            ENV_MEMORY_LIMIT: self.duckdb_memory_limit,
            ENV_THREADS: str(self.duckdb_threads),
            ENV_TEMP_DIR: str(self.duckdb_temp_dir),
            ENV_TASK_RETRIES: str(self.task_retries),
        }

    # -- private to the pipeline -------------------------------------------------------------
    @property
    def archive_dir(self) -> Path:
        return self.home_dir / "archive"

    @property
    def build_db(self) -> Path:
        return self.home_dir / "build" / "warehouse.duckdb"

    @property
    def publish_dir(self) -> Path:
        return self.home_dir / "publish"

    @property
    def published_inputs(self) -> Path:
        """The fingerprint of the inputs the published file was built from (pv_warehouse.publish.input_fingerprint)."""
        return self.publish_dir / "published-inputs.json"

    @property
    def pseudonym_key_file(self) -> Path:
        return self.home_dir / "secrets" / "pseudonym.key"

    @property
    def airflow_home(self) -> Path:
        return self.home_dir / "airflow"

    @property
    def dbt_target_dir(self) -> Path:
        return self.home_dir / "dbt" / "target"

    @property
    def dbt_parse_cache_dir(self) -> Path:
        """Where the nightly dbt tasks keep dbt's partial parse of the project for the next task and night."""
        return self.home_dir / "dbt" / "parse_cache"

    @property
    def gx_dir(self) -> Path:
        return self.home_dir / "gx"

    # -- published ------------------------------------------------------------------------
    @property
    def published_db(self) -> Path:
        return self.home_dir / "analytics.duckdb"

    @property
    def versions_dir(self) -> Path:
        """Earlier published files, kept for `pv-warehouse rollback`."""
        return self.home_dir / "versions"

    @property
    def parquet_dir(self) -> Path:
        """One Parquet file per mart of the published warehouse, for BI tools."""
        return self.home_dir / "parquet"

    @property
    def reports_dir(self) -> Path:
        return self.home_dir / "reports"

    @property
    def data_docs_dir(self) -> Path:
        return self.reports_dir / "data_docs"

    @property
    def dbt_docs_index(self) -> Path:
        """The dbt docs site: column meanings and lineage of every model, one static HTML file."""
        return self.reports_dir / "dbt_docs" / "index.html"

    @property
    def steward_report(self) -> Path:
        return self.reports_dir / "steward.html"

    # -- project files --------------------------------------------------------------------
    @property
    def dbt_project_dir(self) -> Path:
        return self.project_dir / "dbt_project"

    @property
    def expectations_dir(self) -> Path:
        return self.project_dir / "expectations"

    @property
    def dags_dir(self) -> Path:
        return self.project_dir / "dags"

    def duckdb_config(self) -> DuckDBConfig:
        """Connection settings shared by every DuckDB connection the pipeline opens."""
        return {
            "memory_limit": self.duckdb_memory_limit,
            "threads": self.duckdb_threads,
            "temp_directory": str(self.duckdb_temp_dir),
        }


def kept_versions() -> int:
    """How many earlier published files to keep for rollback (PV_WAREHOUSE_KEEP_VERSIONS, default 5)."""
    return int(os.environ.get(ENV_KEEP_VERSIONS, "5"))
