"""The `pv-warehouse` command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pv_warehouse.config import PROJECT_DIR, Settings

DEFAULT_LANDING = PROJECT_DIR / "data" / "landing"
DEFAULT_HOME = PROJECT_DIR / "warehouse"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Nightly pharmacovigilance warehouse: hospital extracts and national case exports into DuckDB marts."""


@main.command("demo-data")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Landing folder to write the demo extracts into (hospital/ and pharmacovigilance/ are created).",
)
@click.option(
    "--seed",
    type=int,
    default=42,
    show_default=True,
    help="Draws names and identifiers; figures do not depend on it.",
)
@click.option(
    "--scale",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Repeat the demo cohort and national cases K times under new identifiers (for benchmarks).",
)
def demo_data(out: Path, seed: int, scale: int) -> None:
    """Write demo extracts in the landing format: two hospital snapshots and two national exports."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from pv_warehouse.demo_data import write_demo_landing

    console = Console(stderr=True)
    with Progress(
        TextColumn("writing demo extracts"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=scale < 100,
    ) as progress:
        bar = progress.add_task("copies", total=scale)
        counts = write_demo_landing(
            out, seed=seed, scale=scale, progress=lambda done: progress.update(bar, completed=done)
        )
    for name, rows in counts.items():
        click.echo(f"{out / name}: {rows} rows")


@main.command()
@click.option(
    "--landing",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_LANDING,
    show_default="data/landing",
    help="Folder the source systems deliver their snapshots into.",
)
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_HOME,
    show_default="warehouse",
    help="Folder the pipeline owns: archive, build database, Airflow home, reports, analytics.duckdb.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Retries of a failed task (5 minutes apart). The nightly schedule retries twice; by hand, a failure "
    "is reported at once.",
)
@click.option("--verbose", "-v", is_flag=True, help="Show Airflow's, dbt's and Great Expectations' logs.")
def refresh(landing: Path, home: Path, retries: int, verbose: bool) -> None:
    """Run the nightly DAG once, in this process, and publish analytics.duckdb when every check passes."""
    import dataclasses
    import os

    from pv_warehouse.airflow_local import run_nightly_once
    from pv_warehouse.config import ENV_TASK_RETRIES
    from pv_warehouse.run_records import read_failures

    os.environ[ENV_TASK_RETRIES] = str(retries)
    # memory, threads and the project folder come from PV_WAREHOUSE_* variables when set
    settings = dataclasses.replace(Settings.from_env(), landing_dir=landing.resolve(), home_dir=home.resolve())
    _ensure_pseudonym_key(settings)
    outcome = run_nightly_once(settings, verbose=verbose)
    if not outcome.succeeded:
        click.secho(f"\nThe nightly run {outcome.run_id} failed; nothing was published.", fg="red", err=True)
        for failure in read_failures(settings, outcome.run_id) or [
            {"task_id": task, "error": "see the task log"} for task in outcome.failed_tasks
        ]:
            click.echo(f"  {failure['task_id']}: {failure['error']}", err=True)
        if settings.published_db.exists():
            click.echo(f"The previously published warehouse is unchanged: {settings.published_db}", err=True)
        click.echo(f"Steward report: {settings.steward_report}", err=True)
        click.echo(f"Task logs: {settings.airflow_home / 'logs'}", err=True)
        sys.exit(1)
    click.secho(f"\nThe nightly run {outcome.run_id} succeeded.", fg="green")
    _print_outputs(settings)


def _ensure_pseudonym_key(settings: Settings) -> None:
    """Use PV_WAREHOUSE_PSEUDONYM_KEY when set; otherwise the home's local key file, created when missing."""
    import os

    from pv_warehouse.pseudonymise import ENV_KEY, ensure_local_key

    if os.environ.get(ENV_KEY):
        return
    secret, created = ensure_local_key(settings.pseudonym_key_file)
    os.environ[ENV_KEY] = secret.decode("utf-8")
    if created:
        click.echo(
            f"Created a local pseudonym key in {settings.pseudonym_key_file} (mode 0600). Patient keys depend on "
            f"it: keep it, or set {ENV_KEY} to use your own secret."
        )


def _print_outputs(settings: Settings) -> None:
    from pv_warehouse.summary import print_summary

    click.echo(f"Published warehouse: {settings.published_db}")
    click.echo(f"Steward report:      {settings.steward_report}")
    click.echo(f"Validation report:   {settings.data_docs_dir / 'index.html'}")
    print_summary(settings.published_db)


@main.command()
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_HOME,
    show_default="warehouse",
    help="Home folder of the warehouse to read.",
)
def summary(home: Path) -> None:
    """Print the published study summary as a table."""
    from pv_warehouse.summary import print_summary

    settings = Settings(landing_dir=DEFAULT_LANDING, home_dir=home.resolve())
    if not settings.published_db.exists():
        raise click.ClickException(
            f"{settings.published_db} does not exist yet. Run `pv-warehouse refresh --home {home}` first."
        )
    print_summary(settings.published_db)


if __name__ == "__main__":
    main()
