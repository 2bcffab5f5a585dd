"""The `pv-warehouse` command line.

A failure a user can meet without a bug (a refused delivery, a full disk, an unwritable home, a home
another refresh holds) ends the command with a short block: what went wrong, where, what to do and where
the log is, and no traceback; `refresh --verbose` shows the traceback too.
"""

from __future__ import annotations

import datetime as dt
import importlib
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from pv_warehouse.core import failpoints, home_lock, problems
from pv_warehouse.core.home_tasks import DUCKDB_POOL, create_duckdb_pool
from pv_warehouse.core.pseudonymise import (
    ENV_KEY,
    MIN_KEY_CHARS,
    MissingPseudonymKey,
    configured_secret,
    require_secret,
    use_local_key,
)
from pv_warehouse.core.run_records import acceptances_file, read_failures, read_unchanged
from pv_warehouse.core.settings import ENV_HOME, ENV_LANDING, PROJECT_DIR, Settings
from pv_warehouse.ingest.contract import is_demo_landing
from pv_warehouse.ingest.load import AcceptanceRefused
from pv_warehouse.ingest.load import accept_snapshot as accept
from pv_warehouse.orchestrate.local_run import prepare_environment, run_nightly_once
from pv_warehouse.publish.marts import list_versions
from pv_warehouse.publish.marts import rollback as roll_back
from pv_warehouse.serve.analyst_sql import FORMATS, QueryRefused, disclose_summary, query, render, write_summary_csv
from pv_warehouse.serve.summary import print_summary, summary_rows

DEFAULT_LANDING = PROJECT_DIR / "data" / "landing"
DEFAULT_HOME = PROJECT_DIR / "warehouse"

# what a command tells the group's error handling, in click's context metadata (shared by nested contexts)
META_HOME = "pv_warehouse.home"
META_LOG = "pv_warehouse.log"
META_VERBOSE = "pv_warehouse.verbose"
# a held home: "try again later" (sysexits' EX_TEMPFAIL), so a cron wrapper can tell it from a failure
EXIT_HOME_LOCKED = 75

# the one --home of every verb that works on a home
HOME_OPTION = click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_HOME,
    envvar=ENV_HOME,
    show_envvar=True,
    show_default="warehouse",
    help="Folder the pipeline owns: archive, build database, Airflow home, reports, analytics.duckdb.",
)


class Failure(click.ClickException):
    """A failure said as a block: what went wrong, where, what to do, where the log is."""

    def __init__(self, what: str, *, where: str, todo: str, log: str) -> None:
        super().__init__(what)
        self.block = failure_block(what, where=where, todo=todo, log=log)

    def format_message(self) -> str:
        return self.block


class HomeHeld(Failure):
    """A held home's failure, with the exit status a cron wrapper tells from a failure (click reads a class's)."""

    exit_code = EXIT_HOME_LOCKED


def failure_block(what: str, *, where: str, todo: str, log: str) -> str:
    """The block every failure of the command line is said in."""
    return "\n".join(
        [what.rstrip(".") + ".", f"  Where:      {where}", f"  What to do: {todo}", f"  Log:        {log}"]
    )


# the verbs of the demo generators and the benchmark, each a module's `command`, imported only when the verb
# is called or listed by --help: a refresh of real extracts never loads them
LAZY_COMMANDS = {"demo-data": "pv_warehouse.demo.command", "bench": "pv_warehouse.bench.command"}


class PipelineGroup(click.Group):
    """Says the failures a user can meet as blocks, without a traceback (kept in the log, or shown by
    `--verbose`); a bug in a command other than `refresh` still shows its traceback. Loads the verbs of
    LAZY_COMMANDS when they are asked for (click's lazily loaded subcommands)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            command: click.Command = importlib.import_module(LAZY_COMMANDS[cmd_name]).command
            return command
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except home_lock.HomeLocked as error:
            raise _locked(error) from None
        except Exception as error:
            if ctx.meta.get(META_VERBOSE):
                traceback.print_exception(error, file=sys.stderr)
                log = "printed above (--verbose)"
            elif (log_file := _keep_traceback(error, ctx.meta.get(META_LOG))) is not None:
                log = str(log_file)
            else:
                log = "none was written (run with --verbose to see the details)"
            failure = _failure_of(error, ctx.meta.get(META_HOME), log)
            if failure is None:
                raise
            raise failure from None


def _locked(error: home_lock.HomeLocked) -> Failure:
    return HomeHeld(
        home_lock.held_by(error.holder),
        where=f"{error.home} (lock file {home_lock.lock_file(error.home)})",
        todo="wait for it, or run with --wait to start as soon as it has finished",
        log="that refresh's own; nothing was run here",
    )


def _failure_of(error: Exception, home: Path | None, log: str) -> Failure | None:
    """The block for a full disk or an unwritable home; for an unexpected error in `refresh` (which knows its
    home), one pointing at the log. None for other commands' bugs, whose traceback says more than a block."""
    problem = problems.explain(error, home or Path.cwd())
    if problem is not None:
        path = getattr(error, "filename", None)
        return Failure(problem.what, where=str(path or home or Path.cwd()), todo=problem.todo, log=log)
    if home is None:
        return None
    return Failure(
        f"the refresh stopped on an unexpected error: {type(error).__name__}: {error}",
        where=str(home),
        todo="run again with --verbose to see where it happened, and report it with the log",
        log=log,
    )


def _keep_traceback(error: Exception, log_file: Path | None) -> Path | None:
    """Append the traceback to the command's log; the log, or None when there is none it can write."""
    if log_file is None:
        return None
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("a", encoding="utf-8") as log:
            traceback.print_exception(error, file=log)
    except OSError:
        return None
    return log_file


@click.group(cls=PipelineGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Nightly pharmacovigilance warehouse: hospital extracts and national case exports into DuckDB marts."""


@main.command()
@click.option(
    "--landing",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_LANDING,
    envvar=ENV_LANDING,
    show_envvar=True,
    show_default="data/landing",
    help="Folder the source systems deliver their snapshots into.",
)
@HOME_OPTION
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Retries of a failed task (5 minutes apart). The nightly schedule retries twice; by hand, a failure "
    "is reported at once.",
)
@click.option(
    "--rebuild",
    is_flag=True,
    help="Rebuild and publish even when nothing new arrived since the published warehouse was built.",
)
@click.option(
    "--wait",
    is_flag=True,
    help="When another refresh is running on this home, wait for it to finish and then run, instead of "
    "stopping at once.",
)
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="Show Airflow's, dbt's and Great Expectations' logs, tracebacks included, on the terminal instead of "
    "writing them to <home>/airflow/logs/refresh/.",
)
@click.pass_context
def refresh(
    ctx: click.Context, landing: Path, home: Path, retries: int, rebuild: bool, wait: bool, verbose: bool
) -> None:
    """Run the nightly DAG once, in this process, and publish analytics.duckdb when every check passes.

    One refresh runs at a time on a home: a second one stops at once (exit status 75), or waits with --wait.
    """
    try:
        failpoints.check_environment()
    except failpoints.UnknownFailpoint as error:
        raise click.ClickException(f"refresh refused, nothing was run: {error}.") from None
    # memory, threads, the spill folder and the project folder come from PV_WAREHOUSE_* variables when set
    settings = Settings.from_env(landing_dir=landing, home_dir=home, task_retries=retries)
    log_file = None if verbose else refresh_log(settings)
    ctx.meta.update({META_HOME: settings.home_dir, META_LOG: log_file, META_VERBOSE: verbose})

    def waiting(holder: home_lock.Holder | None) -> None:
        held = home_lock.held_by(holder)
        click.echo(f"{held[0].upper()}{held[1:]}: waiting for it to finish.", err=True)

    # before anything touches the home: a second refresh would fail on DuckDB's lock and publish nothing
    with home_lock.holding(settings.home_dir, "refresh", timeout=-1 if wait else 0, on_wait=waiting):
        # Airflow settings first: the key may come from an Airflow connection
        prepare_environment(settings, verbose=verbose)
        _ensure_pseudonym_key(settings)
        outcome = run_nightly_once(settings, verbose=verbose, log_file=log_file, rebuild=rebuild)
        if not outcome.succeeded:
            _say_failed(settings, outcome, log_file)
            sys.exit(1)
        _say_succeeded(settings, outcome)


def refresh_log(settings: Settings) -> Path:
    """Where a refresh writes what Airflow, dbt and Great Expectations print, tracebacks included."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H%M%SZ")
    return settings.airflow_home / "logs" / "refresh" / f"{stamp}.log"


def _say_failed(settings: Settings, outcome: Any, log_file: Path | None) -> None:
    """The failed run as a block: which task failed and why, what to do, where the report and the log are."""

    published = outcome.task_states.get("publish") == "success"
    what = "its marts were published before the failure" if published else "nothing was published"
    click.secho(f"\nThe nightly run {outcome.run_id} failed; {what}.", fg="red", err=True)
    failures = read_failures(settings, outcome.run_id) or [
        {"task_id": task, "error": "see the log"} for task in outcome.failed_tasks
    ]
    for failure in failures:
        click.echo(f"  {failure['task_id']}: {failure['error']}", err=True)
    click.echo(f"  What to do: {_todo(failures)}", err=True)
    if settings.published_db.exists() and not published:
        click.echo(f"  Analysts keep the previously published warehouse, unchanged: {settings.published_db}", err=True)
    click.echo(f"  Steward report: {settings.steward_report}", err=True)
    click.echo(f"  Log: {log_file or 'printed above (--verbose)'}", err=True)


def _todo(failures: list[dict[str, str]]) -> str:
    """What to do about a failed run, after its first failing task."""
    first = failures[0] if failures else {"task_id": "", "error": ""}
    again = "then run `pv-warehouse refresh` again"
    if first["error"].startswith("landing refused"):
        return f"correct the delivery as said above (export the file again, or deliver a new snapshot), {again}"
    if first["task_id"] == "validate":
        return f"the steward report lists the rows breaking each rule: correct them at the source, {again}"
    return f"do what the message says, or read the log for the details, {again}"


def _say_succeeded(settings: Settings, outcome: Any) -> None:

    click.secho(f"\nThe nightly run {outcome.run_id} succeeded.", fg="green")
    if unchanged := read_unchanged(settings, outcome.run_id):
        click.echo(
            f"Nothing new since run {unchanged['run_id']}: no delivery and no rule changed, so the marts were "
            "not rebuilt and the published warehouse was republished as it was. `--rebuild` rebuilds it anyway."
        )
    _print_outputs(settings)


def _ensure_pseudonym_key(settings: Settings) -> None:
    """Refuse to run without a pseudonym key, except on demo extracts, which get a local key file."""
    if configured_secret() is None and is_demo_landing(settings.landing_dir):
        verb = "Created" if use_local_key(settings.pseudonym_key_file) else "Using"
        click.echo(
            f"{verb} the local pseudonym key {settings.pseudonym_key_file} (mode 0600), for demo extracts only. "
            f"Patient keys depend on it: keep it, or set {ENV_KEY} to use your own secret."
        )
    try:
        require_secret()
    except MissingPseudonymKey as error:
        raise click.ClickException(f"refresh refused, nothing was run: {error}") from None


def _print_outputs(settings: Settings) -> None:

    click.echo(f"Published warehouse: {settings.published_db}")
    click.echo(f"Steward report:      {settings.steward_report}")
    click.echo(f"Validation report:   {settings.data_docs_dir / 'index.html'}")
    click.echo(f"Model docs:          {settings.dbt_docs_index}")
    click.echo(f"Parquet files:       {settings.parquet_dir}")
    print_summary(settings.published_db)


@main.command("check-key")
@HOME_OPTION
def check_key(home: Path) -> None:
    """Check that a pseudonym key is set and long enough, and say where it comes from (never the key); when
    none is set, report the home's local demo key (secrets/pseudonym.key) if there is one."""

    key_file = Settings(landing_dir=DEFAULT_LANDING, home_dir=home.resolve()).pseudonym_key_file
    found = configured_secret()
    if found is None and key_file.is_file():
        # what refresh uses on demo extracts when no key is configured
        if len(key_file.read_text(encoding="utf-8").strip()) < MIN_KEY_CHARS:
            raise click.ClickException(
                f"the local demo key {key_file} holds fewer than {MIN_KEY_CHARS} characters: remove it, and the "
                "next refresh of demo extracts creates a new one (patient keys change with it)."
            )
        click.echo(f"Pseudonym key: the local demo key {key_file} (created by refresh for demo extracts).")
        return
    try:
        require_secret()
    except MissingPseudonymKey as error:
        demo = "" if found else f" No local demo key {key_file} either: refresh creates one for demo extracts only."
        raise click.ClickException(f"{error}{demo}") from None
    assert found is not None, "require_secret refuses when no key is configured"
    click.echo(f"Pseudonym key: set, from {found[1]}.")


@main.command()
@HOME_OPTION
def prepare(home: Path) -> None:
    """Prepare a scheduler deployment (other settings from PV_WAREHOUSE_* variables): the one-slot DuckDB
    pool and the home's folders. Run after `airflow db migrate`."""

    settings = Settings.from_env(home_dir=home)
    for folder in (settings.duckdb_temp_dir, settings.reports_dir, settings.airflow_home):
        folder.mkdir(parents=True, exist_ok=True)
    create_duckdb_pool()
    click.echo(f"Pool {DUCKDB_POOL}: 1 slot")


@main.command()
@HOME_OPTION
def summary(home: Path) -> None:
    """Print the published study summary as a table."""

    print_summary(_published(home).published_db)


def _published(home: Path) -> Settings:
    """Settings of a home whose warehouse was published, or a message saying what to run first."""
    settings = Settings(landing_dir=DEFAULT_LANDING, home_dir=home.resolve())
    if not settings.published_db.exists():
        raise click.ClickException(
            f"{settings.published_db} does not exist yet. Run `pv-warehouse refresh --home {home}` first."
        )
    return settings


@main.command()
@click.argument("statement")
@HOME_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="How to print the rows.",
)
def sql(statement: str, home: Path, fmt: str) -> None:
    """Run one SQL query on the published warehouse, in a sandbox: read-only, no file read or written, no
    other database attached, no extension added, settings locked (tables are in schema marts)."""

    settings = _published(home)
    try:
        columns, rows = query(settings.published_db, statement)
    except QueryRefused as error:
        raise click.ClickException(str(error)) from None
    click.echo(render(columns, rows, fmt), nl=False)


@main.command()
@HOME_OPTION
@click.option("--to", "version", help="A kept version's file name (see --list); the newest when left out.")
@click.option("--list", "list_only", is_flag=True, help="List the kept versions, newest first, and stop.")
def rollback(home: Path, version: str | None, list_only: bool) -> None:
    """Put an earlier published warehouse back in place, atomically; the replaced one is kept in turn."""

    settings = _published(home)
    if list_only:
        versions = list_versions(settings)
        if not versions:
            click.echo(f"No earlier published versions are kept under {settings.versions_dir} yet.")
        for path in versions:
            click.echo(path.name)
        return
    try:
        chosen = roll_back(settings, version)
    except FileNotFoundError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{settings.published_db} is now the version kept as {chosen.name}.")


@main.command("accept-snapshot")
@click.argument("snapshot", metavar="SOURCE/DATE")
@click.option(
    "--reason",
    required=True,
    help="Why the fall in rows is real (e.g. the records were archived in the medical software); kept with "
    "the acceptance and shown in the steward report.",
)
@HOME_OPTION
@click.option(
    "--landing",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Landing folder holding the snapshot [default: the one the refusing refresh read].",
)
@click.option("--by", "accepted_by", help="Who accepts, as recorded [default: the user running the command].")
def accept_snapshot(snapshot: str, reason: str, home: Path, landing: Path | None, accepted_by: str | None) -> None:
    """Accept a snapshot a refresh refused because a file's rows fell by more than max_row_drop_pct; the
    next refresh loads it. Covers the very files refused (by sha256), not a file delivered again."""
    import getpass

    settings = Settings(landing_dir=(landing or DEFAULT_LANDING).resolve(), home_dir=home.resolve())
    try:
        outcome = accept(
            settings,
            snapshot,
            reason,
            (accepted_by or "").strip() or getpass.getuser(),
            landing.resolve() if landing else None,
        )
    except AcceptanceRefused as error:
        raise click.ClickException(str(error)) from None
    record = outcome.record
    if outcome.already_accepted:
        click.echo(
            f"{record['snapshot']} was already accepted by {record['accepted_by']} on {record['accepted_at']} "
            f"({record['reason']}); the next refresh loads it."
        )
        return
    for file in record["files"]:
        click.echo(
            f"{file['source_file']}: {file['rows']} data rows, {file['previous_rows']} in "
            f"{file['previous_snapshot']}: accepted."
        )
    click.echo(
        f"{record['snapshot']} accepted by {record['accepted_by']} on {record['accepted_at']}, recorded in "
        f"{acceptances_file(settings)}. The next refresh loads it."
    )


@main.command("export-summary")
@HOME_OPTION
@click.option(
    "--min-cell",
    type=click.IntRange(min=1),
    required=True,
    help="Smallest count that may be shown; counts from 1 to N-1, and figures revealing them, are suppressed.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("study_summary.csv"),
    show_default=True,
    help="CSV file to write.",
)
def export_summary(home: Path, min_cell: int, out: Path) -> None:
    """Write the study summary for sharing outside the team, with small counts suppressed."""

    lines = disclose_summary(summary_rows(_published(home).published_db), min_cell)
    folder = out.parent
    try:
        if not folder.is_dir():
            folder.mkdir(parents=True)
            click.echo(f"Created the folder {folder} for the summary.")
        write_summary_csv(lines, out)
    except OSError as error:
        reason = error.strerror or str(error)
        raise click.ClickException(
            f"{out}: the summary could not be written ({reason}). Choose an --out in a folder you can write to."
        ) from None
    hidden = sum(1 for line in lines if line.note)
    click.echo(f"{out}: {len(lines)} metrics, {hidden} suppressed (minimum cell {min_cell}).")


if __name__ == "__main__":
    main()
