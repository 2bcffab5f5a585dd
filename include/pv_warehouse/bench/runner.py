"""`pv-warehouse bench`: what a nightly refresh costs at national scale, as ratios to floors measured in the
same run.

Shared machines make absolute seconds noisy, so every figure that has a goal is a ratio:

- `floor_s`: DuckDB alone reading the scaled landing files into tables, the physical floor of any pipeline on
  those files; `ratio_to_floor` is the refresh's time beyond its fixed start-up (`demo_refresh_s`) per unit
  of that floor;
- `history_ratio`: a refresh bringing one new hospital snapshot over ten archived ones, against the same
  snapshot arriving in a home with none (the national exports are loaded beforehand in both homes);
- `noop_refresh_s` against `demo_refresh_s`: a night with nothing new must cost no more than the demo;
- `demo_ratio`: the demo refresh against its parts run as plain processes (raw load, one `dbt build`, the
  Great Expectations checkpoint), the overhead Airflow and Cosmos add;
- `plain_ratio_to_floor`: the same parts as plain processes on the scaled landing, beyond their demo run,
  per unit of floor: what `ratio_to_floor` would be with no orchestration, publication, docs or report;
- `faers_ratio_to_floor`: a full-size synthetic FAERS quarter (450,000 reports at the default scale) from
  its zip to `marts.faers_signals` (raw load, then `dbt build` of the FAERS models, as plain processes),
  against DuckDB alone reading its extracted files.

Every refresh is the `pv-warehouse refresh` command in a child process, as an operator runs it; its peak
memory is the sum over its whole process tree, sampled while it runs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import random
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pv_warehouse.core.build_db import connect_build, one_value
from pv_warehouse.core.pseudonymise import ENV_KEY
from pv_warehouse.core.run_records import dbt_results_file, read_task_timings
from pv_warehouse.core.settings import ENV_RUN_ID, Settings
from pv_warehouse.demo.extracts import HOSPITAL_SNAPSHOTS, write_demo_landing
from pv_warehouse.demo.faers import write_faers_quarter
from pv_warehouse.ingest.files import decodes, transcode_to_utf8
from pv_warehouse.ingest.load import RAW_SCHEMA

if TYPE_CHECKING:
    import psutil

# 6,600 copies of the demo cohort: 178,200 patients in the newest hospital snapshot and 1,003,200 national
# case-reaction rows over the two exports
DEFAULT_SCALE = 6600
HISTORY_SNAPSHOTS = 10
# the demo refresh, the DuckDB-alone floor and the full refresh are each measured this many times, the
# shortest run kept: one run's noise moved ratio_to_floor between 2.3 and 6.7 on the same code
DEFAULT_REPEAT = 3
# a full-size FAERS quarter: about 1.9 M drug rows and 1.4 M reaction rows
FAERS_FULL_REPORTS = 450_000
FAERS_BENCH_QUARTER = (2025, 1)
# the goals of the benchmark at the default scale on a 2-core machine: (key, limit, what the key measures)
GOALS = (
    ("ratio_to_floor", 3.0, "refresh beyond its start-up, per unit of the DuckDB-alone load"),
    ("history_ratio", 1.2, "new snapshot over ten archived ones, against no history"),
    ("noop_vs_demo", 1.2, "refresh with nothing new, against the demo refresh"),
    ("demo_ratio", 2.0, "demo refresh against its parts as plain processes"),
    ("peak_rss_mb", 4096.0, "peak memory of the refresh's process tree, MB"),
)
STEPS = (
    "write the demo and scaled landings",
    "demo refresh",
    "demo floor: load, dbt build, checkpoint",
    "DuckDB-alone floor",
    "full refresh",
    "plain parts on the scaled landing: load, dbt build, checkpoint",
    "refresh with nothing new",
    "history: ten archived snapshots",
    "history: the new snapshot",
    "no history: national exports only",
    "no history: the new snapshot",
    "FAERS: write a full-size quarter",
    "FAERS: DuckDB-alone floor",
    "FAERS: load to signals",
)


class BenchFailed(RuntimeError):
    """A measured command failed: the message names the command and its log."""


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_rss_mb: float


class Bench:
    """One benchmark run under `workdir`: landings, homes and the log of every command it ran."""

    def __init__(self, workdir: Path, scale: int, advance: Callable[[str], None], repeat: int = DEFAULT_REPEAT) -> None:
        self.workdir = workdir
        self.scale = scale
        self.repeat = repeat
        self.advance = advance
        self.logs = workdir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.env = {key: value for key, value in os.environ.items() if not key.startswith("PV_WAREHOUSE_")}
        # synthetic data only: a throw-away key, never written to disk
        self.env[ENV_KEY] = secrets.token_hex(32)
        for name in ("PV_WAREHOUSE_DUCKDB_MEMORY_LIMIT", "PV_WAREHOUSE_DUCKDB_THREADS"):
            if name in os.environ:
                self.env[name] = os.environ[name]
        self.results: dict[str, object] = {"scale": scale, "repeat": repeat}

    # -- the run ------------------------------------------------------------------------------
    def run(self) -> dict[str, object]:
        demo_landing, landing = self.workdir / "demo-landing", self.workdir / "landing"
        # FAERS is measured on its own (`faers`): these landings hold the hospital and national files only
        write_demo_landing(demo_landing, scale=1, faers_reports=0)
        write_demo_landing(landing, scale=self.scale, faers_reports=0)
        self.advance(STEPS[0])

        demo_home = self.workdir / "demo-home"
        self.best(
            "demo_refresh_s", lambda n: self.refresh(f"demo-refresh-{n}", demo_landing, demo_home), fresh=demo_home
        )
        self.advance(STEPS[1])
        self.plain_parts("demo_floor_s", demo_landing, self.workdir / "demo-floor-home")
        self.advance(STEPS[2])
        floor_settings = self.settings(landing, self.workdir)
        floor = self.workdir / "floor"
        self.best("floor_s", lambda _: Measured(duckdb_floor(landing, floor, floor_settings), 0), fresh=floor)
        self.advance(STEPS[3])

        home = self.workdir / "home"
        settings = self.settings(landing, home)
        full_runs: list[Measured] = []

        def full_refresh(number: int) -> Measured:
            full = self.refresh(f"full-refresh-{number}", landing, home)
            if not full_runs or full.seconds < min(run.seconds for run in full_runs):
                # the figures of the run the ratio is made of
                self.results.update(stage_seconds(settings))
            full_runs.append(full)
            return full

        self.best("full_refresh_s", full_refresh, fresh=home)
        self.results["peak_rss_mb"] = max(run.peak_rss_mb for run in full_runs)
        self.results["raw_row_counts"] = raw_row_counts(settings)
        self.advance(STEPS[4])
        self.plain_parts("full_plain_s", landing, self.workdir / "plain-home")
        self.advance(STEPS[5])
        noop = self.refresh("noop-refresh", landing, home)
        self.results["noop_refresh_s"] = noop.seconds
        self.advance(STEPS[6])

        self.history(landing)
        self.faers()
        self.results.update(ratios(self.results))
        self.results["machine"] = machine_facts()
        return self.results

    def best(self, key: str, measure: Callable[[int], Measured], fresh: Path | None = None) -> None:
        """Run `measure` `repeat` times, each from a new `fresh` folder when one is given: `key` is the
        shortest run's seconds and `<key without _s>_runs_s` every run's. Noise on a shared machine only ever
        adds time, so the shortest run is the best estimate of what the work itself costs."""
        runs = []
        for number in range(1, self.repeat + 1):
            if fresh is not None:
                shutil.rmtree(fresh, ignore_errors=True)
            runs.append(measure(number).seconds)
        self.results[key] = min(runs)
        self.results[f"{key.removesuffix('_s')}_runs_s"] = runs

    def history(self, landing: Path) -> None:
        """Time the newest hospital snapshot arriving over ten archived ones, then over none."""
        newest = landing / "hospital" / HOSPITAL_SNAPSHOTS[-1].isoformat()
        national = sorted((landing / "pharmacovigilance").iterdir())
        with_history, without = self.workdir / "history-landing", self.workdir / "no-history-landing"
        for target in (with_history, without):
            for export in national:
                link_folder(export, target / "pharmacovigilance" / export.name)
        for number, date in enumerate(earlier_dates(HOSPITAL_SNAPSHOTS[-1], HISTORY_SNAPSHOTS), start=1):
            shuffled_copy(newest, with_history / "hospital" / date.isoformat(), seed=number)
        history_home = self.workdir / "history-home"
        setup = self.refresh("history-setup", with_history, history_home)
        self.results["history_setup_s"] = setup.seconds
        self.advance(STEPS[7])
        link_folder(newest, with_history / "hospital" / newest.name)
        self.results["history_refresh_s"] = self.refresh("history-refresh", with_history, history_home).seconds
        self.advance(STEPS[8])

        # national exports alone fail the load reconciliation: nothing is published, the exports are loaded
        no_history_home = self.workdir / "no-history-home"
        self.refresh("no-history-setup", without, no_history_home, must_succeed=False)
        self.advance(STEPS[9])
        link_folder(newest, without / "hospital" / newest.name)
        self.results["history_baseline_s"] = self.refresh("no-history-refresh", without, no_history_home).seconds
        self.advance(STEPS[10])

    def faers(self) -> None:
        """Time one synthetic FAERS quarter from its zip to the signals, against DuckDB alone on its files."""

        year, quarter = FAERS_BENCH_QUARTER
        landing = self.workdir / "faers-landing"
        folder = landing / "faers" / f"{year}q{quarter}"
        reports = faers_reports_at(self.scale)
        _, _ = write_faers_quarter(folder, year, quarter, reports, random.Random(year), zipped=True)
        self.results["faers_reports"] = reports
        self.advance(STEPS[11])
        self.results["faers_floor_s"] = faers_floor(
            folder, self.workdir / "faers-floor", self.settings(landing, folder)
        )
        self.advance(STEPS[12])
        run_id = "bench_faers"
        settings, env = self.plain_home(landing, self.workdir / "faers-home", run_id)
        load = self.measure("faers-load", stage_command("load", run_id), env)
        build = self.measure(
            "faers-dbt",
            dbt_build_command(settings, "--select", "+fct_faers_reports +faers_signals"),
            env,
            cwd=str(settings.dbt_project_dir),
        )
        self.results["faers_load_to_signals_s"] = round(load.seconds + build.seconds, 2)
        self.results["faers_raw_row_counts"] = raw_row_counts(settings)
        self.advance(STEPS[13])

    # -- commands -----------------------------------------------------------------------------
    def settings(self, landing: Path, home: Path) -> Settings:
        return Settings.from_env(landing_dir=landing, home_dir=home)

    def refresh(self, name: str, landing: Path, home: Path, *, must_succeed: bool = True) -> Measured:
        command = [str(Path(sys.executable).with_name("pv-warehouse")), "refresh", "--landing", str(landing)]
        return self.measure(name, [*command, "--home", str(home)], self.env, must_succeed=must_succeed)

    def plain_home(self, landing: Path, home: Path, run_id: str) -> tuple[Settings, dict[str, str]]:
        """The settings of `home` on `landing` for stages run as plain processes as run `run_id`, and their
        environment."""
        settings = self.settings(landing, home)
        settings.duckdb_temp_dir.mkdir(parents=True, exist_ok=True)
        return settings, {**self.env, **settings.to_env(), ENV_RUN_ID: run_id}

    def plain_parts(self, key: str, landing: Path, home: Path) -> None:
        """Raw load, one plain `dbt build` and the checkpoint, each a plain process on `landing`, into a new
        `home` each time: `key` is the shortest of `repeat` runs' total, `<key without _s>_parts_s` that
        run's seconds per part."""
        parts_of_runs: list[dict[str, float]] = []

        def run_parts(number: int) -> Measured:
            shutil.rmtree(home, ignore_errors=True)
            run_id = f"bench_{home.name.replace('-', '_')}"
            settings, env = self.plain_home(landing, home, run_id)
            commands = {
                "load": stage_command("load", run_id),
                "dbt_build": dbt_build_command(settings),
                "checkpoint": stage_command("validate", run_id),
            }
            log = key.removesuffix("_s").replace("_", "-")
            parts = {
                part: self.measure(f"{log}-{part}-{number}", command, env, cwd=str(settings.dbt_project_dir)).seconds
                for part, command in commands.items()
            }
            parts_of_runs.append(parts)
            return Measured(round(sum(parts.values()), 2), 0)

        self.best(key, run_parts)
        shortest = min(parts_of_runs, key=lambda parts: sum(parts.values()))
        self.results[f"{key.removesuffix('_s')}_parts_s"] = shortest

    def measure(
        self, name: str, command: list[str], env: dict[str, str], *, cwd: str | None = None, must_succeed: bool = True
    ) -> Measured:
        log = self.logs / f"{name}.log"
        sampler = _TreeSampler()
        with log.open("w", encoding="utf-8") as output:
            started = time.perf_counter()
            process = subprocess.Popen(command, env=env, cwd=cwd, stdout=output, stderr=subprocess.STDOUT)
            sampler.watch(process.pid)
            while process.poll() is None:
                sampler.sample()
                time.sleep(0.1)
            seconds = time.perf_counter() - started
        if must_succeed and process.returncode != 0:
            raise BenchFailed(f"{name} failed (exit code {process.returncode}); its output is in {log}")
        return Measured(round(seconds, 2), round(sampler.peak_mb, 1))


class _TreeSampler:
    """The largest total resident memory seen over a process and all its descendants."""

    def __init__(self) -> None:
        self.root: psutil.Process | None = None
        self.peak_mb = 0.0

    def watch(self, pid: int) -> None:
        import psutil

        self.root = psutil.Process(pid)

    def sample(self) -> None:
        import psutil

        if self.root is None:
            return
        try:
            tree = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        total = 0
        for process in tree:
            try:
                total += process.memory_info().rss
            except psutil.Error:
                continue
        self.peak_mb = max(self.peak_mb, total / 2**20)


def stage_command(stage: str, run_id: str) -> list[str]:
    """A pipeline stage (`load`, `validate`) as a plain process: `python -m pv_warehouse.bench.stages`."""
    return [sys.executable, "-m", "pv_warehouse.bench.stages", stage, run_id]


def dbt_build_command(settings: Settings, *selection: str) -> list[str]:
    """A plain `dbt build` of the project (or of `selection`), data tests included, unit tests not; the run's
    id comes from the environment (`Bench.plain_home`)."""
    project = str(settings.dbt_project_dir)
    return [
        str(Path(sys.executable).with_name("dbt")),
        "--quiet",
        "build",
        "--project-dir",
        project,
        "--profiles-dir",
        project,
        "--target-path",
        str(settings.dbt_target_dir),
        *selection,
        "--exclude",
        "resource_type:unit_test",
    ]


def faers_reports_at(scale: int) -> int:
    """Reports of the bench's FAERS quarter: full size at the default scale, in proportion below it."""
    return max(500, round(FAERS_FULL_REPORTS * min(scale, DEFAULT_SCALE) / DEFAULT_SCALE))


def faers_floor(quarter_dir: Path, folder: Path, settings: Settings) -> float:
    """Seconds DuckDB alone takes to read a FAERS quarter's files into tables of a new database file.

    DuckDB reads no zip (that would take an extension download), so the files are extracted before the clock
    starts: the pipeline's own reading of the zip counts against it.
    """
    import zipfile

    extracted = folder / "extracted"
    for archive_path in sorted(quarter_dir.glob("*.zip")):
        with zipfile.ZipFile(archive_path) as archive:
            archive.extractall(extracted)
    files = sorted(path for path in extracted.rglob("*") if path.suffix.lower() == ".txt")
    return _timed_read(files, folder, settings, "delim = '$', quote = '', escape = ''")


def _timed_read(files: list[Path], folder: Path, settings: Settings, dialect: str) -> float:
    """Seconds DuckDB takes to read `files` (`read_csv` with `dialect`, every column as text) into tables of a
    new database file, with the pipeline's memory and thread settings."""
    import duckdb

    config = {**settings.duckdb_config(), "temp_directory": str(folder / "tmp")}
    started = time.perf_counter()
    con = duckdb.connect(str(folder / "floor.duckdb"), config=config)
    try:
        for number, path in enumerate(files):
            con.execute(
                f"create table file_{number} as "
                f"select * from read_csv(?, {dialect}, header = true, all_varchar = true)",
                [str(path)],
            )
    finally:
        con.close()
    return round(time.perf_counter() - started, 2)


def duckdb_floor(landing: Path, folder: Path, settings: Settings) -> float:
    """Seconds DuckDB alone takes to read every landing file into a table of a new database file.

    DuckDB reads UTF-8 and Latin-1 only (the encodings extension would be a download), so a Windows-1252 file
    is turned into UTF-8 before the clock starts: the pipeline's own transcoding counts against it.
    """

    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for number, path in enumerate(sorted(landing.rglob("*.csv"))):
        if not decodes(path, "utf-8"):
            readable = folder / f"file_{number}.utf8.csv"
            transcode_to_utf8(path, "cp1252", readable)
            path = readable
        files.append(path)
    return _timed_read(files, folder, settings, "delim = ';', quote = '\"'")


def stage_seconds(settings: Settings) -> dict[str, object]:
    """Seconds of the home's newest run: each task (load, dbt build, validation, publish), then each dbt
    model and all dbt tests, from dbt's run results."""

    runs = sorted((settings.home_dir / "runs").iterdir(), key=lambda path: path.stat().st_mtime)
    run_id = runs[-1].name
    timings = read_task_timings(settings, run_id)
    tasks = {timing.task_id: round(timing.seconds, 2) for timing in timings if timing.seconds is not None}
    results = json.loads(dbt_results_file(settings, run_id).read_text(encoding="utf-8"))["results"]
    models = {
        result["unique_id"].split(".")[-1]: round(result["execution_time"], 2)
        for result in results
        if result["unique_id"].startswith(("model.", "seed."))
    }
    tests = [result["execution_time"] for result in results if result["unique_id"].startswith("test.")]
    return {
        "stages_s": tasks,
        "dbt_models_s": dict(sorted(models.items(), key=lambda item: -item[1])),
        "dbt_tests_s": round(sum(tests), 2),
        "dbt_tests": len(tests),
    }


def raw_row_counts(settings: Settings) -> dict[str, int]:
    """Rows in every table of the build database's raw schema."""

    con = connect_build(settings, read_only=True)
    try:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = ? order by 1", [RAW_SCHEMA]
            ).fetchall()
        ]
        return {table: int(one_value(con, f'select count(*) from {RAW_SCHEMA}."{table}"')) for table in tables}
    finally:
        con.close()


def ratios(results: dict[str, Any]) -> dict[str, object]:
    """The ratios the goals are set on, and whether each goal holds (`results`: the JSON record, of mixed values)."""
    demo, floor = float(results["demo_refresh_s"]), float(results["floor_s"])
    computed: dict[str, object] = {
        "ratio_to_floor": round((float(results["full_refresh_s"]) - demo) / floor, 2),
        "history_ratio": round(float(results["history_refresh_s"]) / float(results["history_baseline_s"]), 2),
        "noop_vs_demo": round(float(results["noop_refresh_s"]) / demo, 2),
        "demo_ratio": round(demo / float(results["demo_floor_s"]), 2),
        "plain_ratio_to_floor": round((float(results["full_plain_s"]) - float(results["demo_floor_s"])) / floor, 2),
        "faers_ratio_to_floor": round(float(results["faers_load_to_signals_s"]) / float(results["faers_floor_s"]), 2),
    }
    values = {**results, **computed}
    computed["goals"] = {
        key: {"limit": limit, "value": values[key], "holds": float(values[key]) <= limit, "meaning": meaning}
        for key, limit, meaning in GOALS
    }
    return computed


def earlier_dates(newest: dt.date, count: int) -> list[dt.date]:
    """`count` monthly snapshot dates before `newest`, oldest first."""
    dates = []
    year, month = newest.year, newest.month
    for _ in range(count):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        dates.append(dt.date(year, month, min(newest.day, 28)))
    return sorted(dates)


def shuffled_copy(snapshot: Path, target: Path, seed: int) -> None:
    """An earlier snapshot: the same extracts with their rows in another order, so other bytes.

    Only the newest snapshot feeds the marts; older ones only have to be archived and kept in raw.
    """
    target.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    for path in sorted(snapshot.iterdir()):
        header, *rows = path.read_bytes().split(b"\r\n")
        rows = [row for row in rows if row]
        rng.shuffle(rows)
        (target / path.name).write_bytes(b"\r\n".join([header, *rows, b""]))


def link_folder(source: Path, target: Path) -> None:
    """Hard-link a snapshot folder's files under `target` (a copy where links are not possible)."""
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.iterdir()):
        try:
            os.link(path, target / path.name)
        except OSError:
            (target / path.name).write_bytes(path.read_bytes())


def machine_facts() -> dict[str, object]:
    import psutil

    settings = Settings.from_env()
    versions = {}
    for package in ("apache-airflow", "astronomer-cosmos", "dbt-core", "dbt-duckdb", "duckdb", "great-expectations"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "system": platform.platform(),
        "python": platform.python_version(),
        "duckdb_memory_limit": settings.duckdb_memory_limit,
        "duckdb_threads": settings.duckdb_threads,
        "versions": versions,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def print_results(results: dict[str, Any]) -> None:
    """The timings, then each goal with its value and whether it holds."""
    from rich.console import Console
    from rich.table import Table

    timings = Table(title=f"pv-warehouse bench, scale {results['scale']}, best of {results['repeat']}")
    timings.add_column("measure")
    timings.add_column("value", justify="right")
    for key in (
        "floor_s",
        "full_refresh_s",
        "noop_refresh_s",
        "history_refresh_s",
        "history_baseline_s",
        "demo_refresh_s",
        "demo_floor_s",
        "full_plain_s",
        "plain_ratio_to_floor",
        "faers_floor_s",
        "faers_load_to_signals_s",
        "faers_ratio_to_floor",
    ):
        timings.add_row(key, f"{results[key]:.2f}")
    for table, rows in dict(results["raw_row_counts"]).items():
        timings.add_row(f"raw.{table} rows", f"{rows:,}")
    for table, rows in dict(results["faers_raw_row_counts"]).items():
        if table.startswith("faers_"):
            timings.add_row(f"raw.{table} rows (FAERS quarter)", f"{rows:,}")
    goals = Table(title="goals")
    for column in ("goal", "value", "limit", "holds"):
        goals.add_column(column, justify="left" if column == "goal" else "right")
    for key, goal in dict(results["goals"]).items():
        goals.add_row(key, f"{goal['value']:.2f}", f"{goal['limit']:g}", "yes" if goal["holds"] else "NO")
    console = Console()
    console.print(timings)
    console.print(goals)


__all__ = ["DEFAULT_REPEAT", "DEFAULT_SCALE", "GOALS", "STEPS", "Bench", "BenchFailed", "print_results"]
