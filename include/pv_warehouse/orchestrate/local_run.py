"""Run the nightly DAG once, in this process, through Airflow's `dag.test()` on a SQLite metadata DB.

The metadata database, logs and Cosmos cache live under `<home>/airflow`; the environment is set
before Airflow is first imported, as Airflow reads its configuration at import time.

Unless verbose, everything the run prints (Airflow's, dbt's and Great Expectations' logs, tracebacks
included) goes to a log file, and the terminal shows only the progress bar and the command's own lines.

SIGINT (Ctrl-C) or SIGTERM stops the run at once, wherever it is: every stage is safe to die in (the
load commits or leaves raw as it was, publication renames a complete file), and the next run redoes what
this one did not finish.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import NoReturn, TextIO

from pv_warehouse.core.home_tasks import create_duckdb_pool
from pv_warehouse.core.settings import Settings
from pv_warehouse.orchestrate import progress
from pv_warehouse.orchestrate.nightly import DAG_ID

log = logging.getLogger(__name__)


def airflow_environment(settings: Settings) -> dict[str, str]:
    """Airflow, Cosmos, dbt and GX settings for an in-process run kept under the home folder."""
    home = settings.airflow_home
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(settings.dags_dir),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__COSMOS__CACHE_DIR": str(home / "cosmos_cache"),
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "pv_warehouse",
        "GX_ANALYTICS_ENABLED": "False",
    }


@dataclass(frozen=True)
class RunOutcome:
    """How one run of the nightly DAG ended, task by task."""

    run_id: str
    state: str
    task_states: dict[str, str]

    @property
    def succeeded(self) -> bool:
        return self.state == "success"

    @property
    def failed_tasks(self) -> list[str]:
        return [task for task, state in self.task_states.items() if state in ("failed", "upstream_failed")]


class DagImportError(RuntimeError):
    """The DAG folder did not parse."""


def prepare_environment(settings: Settings, *, verbose: bool = False) -> None:
    """Set the run's environment; call it before anything imports Airflow, which reads it once."""
    settings.airflow_home.mkdir(parents=True, exist_ok=True)
    os.environ.update(settings.to_env())
    os.environ.update(airflow_environment(settings))
    if not verbose:
        os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"
        os.environ["DBT_QUIET"] = "true"
        # Cosmos warns at import that lineage events need a provider this project does not use
        logging.getLogger("cosmos.operators.local").setLevel(logging.ERROR)
        # dag.test() warns "No tasks to run" while the skips of a night with nothing new propagate
        logging.getLogger("airflow.sdk.definitions.dag").setLevel(logging.ERROR)


def migrate_metadata_db() -> None:
    """Create or upgrade the SQLite metadata database and the one-slot DuckDB pool."""
    from airflow.utils.db import initdb

    initdb()
    create_duckdb_pool()


def run_nightly_once(
    settings: Settings, *, verbose: bool = False, log_file: Path | None = None, rebuild: bool = False
) -> RunOutcome:
    """Parse the DAG folder and run `pv_warehouse_nightly` once with `dag.test()`.

    Unless `verbose`, Airflow, Cosmos and dbt log warnings only, and a progress bar counts the tasks. With a
    `log_file`, what the run prints goes there instead of the terminal. `rebuild` triggers the run with
    `{"rebuild": true}`, as a scheduler's run would be, so it rebuilds even when nothing new arrived.
    """
    prepare_environment(settings, verbose=verbose)
    with _output_to(log_file) as terminal:
        migrate_metadata_db()
        from airflow.dag_processing.dagbag import DagBag

        bag = DagBag(dag_folder=str(settings.dags_dir))
        if bag.import_errors:
            details = "; ".join(
                f"{path}: {error.strip().splitlines()[-1]}" for path, error in bag.import_errors.items()
            )
            raise DagImportError(f"the DAG folder {settings.dags_dir} did not parse: {details}")
        dag = bag.dags[DAG_ID]
        with _stopped_by_signals(terminal), _progress_bar(len(dag.task_ids), terminal.out, disable=verbose):
            run = dag.test(run_conf={"rebuild": True} if rebuild else None)
        states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    return RunOutcome(run.run_id, str(run.state), states)


@dataclass(frozen=True)
class Terminal:
    """The command's own output and error streams, whatever the run's output goes to."""

    out: TextIO
    err: TextIO


@contextmanager
def _output_to(log_file: Path | None) -> Iterator[Terminal]:
    """Point the process's standard output and error (file descriptors 1 and 2, so C libraries' too) at
    `log_file` for the block, and yield streams to the terminal they pointed at."""
    if log_file is None:
        yield Terminal(sys.stdout, sys.stderr)
        return
    log_file.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    out = os.fdopen(os.dup(saved[1]), "w", buffering=1, encoding="utf-8", errors="replace")
    err = os.fdopen(os.dup(saved[2]), "w", buffering=1, encoding="utf-8", errors="replace")
    try:
        with log_file.open("a", encoding="utf-8") as log:
            for fd in saved:
                os.dup2(log.fileno(), fd)
            try:
                yield Terminal(out, err)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                for fd, copy in saved.items():
                    os.dup2(copy, fd)
    finally:
        for copy in saved.values():
            os.close(copy)
        out.close()
        err.close()


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _Stopper:
    """Ends the process on SIGINT or SIGTERM, saying which task was running and what to do.

    Left alone, the run would go on: Airflow's task runner gives each task a SIGTERM handler that only
    calls the operator's `on_kill()` (under a scheduler, its supervisor then kills the task's process),
    and a Ctrl-C lands as a KeyboardInterrupt in whichever thread or clean-up happens to run, where
    Airflow or dbt may swallow it. So the handlers are set again at each task's start and end.
    """

    def __init__(self, terminal: Terminal) -> None:
        self.task_id: str | None = None
        self.terminal = terminal

    def install(self) -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, self.stop)

    def on_task(self, task_id: str, state: str) -> None:
        self.task_id = task_id if state == "running" else None
        self.install()

    def stop(self, signum: int, frame: FrameType | None) -> NoReturn:
        during = f" during {self.task_id}" if self.task_id else ""
        err, out = self.terminal.err, self.terminal.out
        err.write(
            f"\nRefresh stopped by {signal.Signals(signum).name}{during}. Analysts keep reading a complete "
            "published warehouse; run `pv-warehouse refresh` again to finish the night's work.\n"
        )
        err.flush()
        if out.isatty():  # the progress bar hid the cursor
            out.write("\x1b[?25h")
            out.flush()
        # as after a power cut: no handler or callback runs, and none is needed (see the module's docstring)
        os._exit(128 + signum)


@contextmanager
def _stopped_by_signals(terminal: Terminal) -> Iterator[None]:

    if threading.current_thread() is not threading.main_thread():  # signal handlers are the main thread's
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    stopper = _Stopper(terminal)
    stopper.install()
    progress.listen(stopper.on_task)
    try:
        yield
    finally:
        progress.stop_listening(stopper.on_task)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def _progress_bar(total: int, terminal: TextIO, *, disable: bool) -> Iterator[None]:
    """A bar over the DAG's tasks, advanced by the tasks' callbacks (pv_warehouse.orchestrate.progress)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[current]}"),
        console=Console(file=terminal),
        disable=disable,
    ) as bar:
        tasks = bar.add_task("nightly run", total=total, current="")

        def listener(task_id: str, state: str) -> None:
            if state == "running":
                bar.update(tasks, current=task_id)
            else:
                bar.advance(tasks)

        progress.listen(listener)
        try:
            yield
            # end_run only runs when a task failed: a run that needed it not is complete all the same
            bar.update(tasks, completed=total, current="")
        finally:
            progress.stop_listening(listener)
