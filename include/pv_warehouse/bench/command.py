"""`pv-warehouse bench`: the benchmark's verb, its progress bar and its figures."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import click

from pv_warehouse.bench.runner import DEFAULT_REPEAT, DEFAULT_SCALE, STEPS, Bench, BenchFailed, print_results


@click.command("bench")
@click.option(
    "--scale",
    type=click.IntRange(min=1),
    default=None,
    help="Copies of the demo cohort in the scaled landing [default: 6600, about 178,000 patients and "
    "1,000,000 national case-reaction rows].",
)
@click.option(
    "--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), help="Also write every figure to FILE."
)
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the landings, homes and logs (kept); a temporary folder, removed at the end, when left out.",
)
@click.option(
    "--repeat",
    type=click.IntRange(min=1),
    default=None,
    help="Times the demo refresh, the DuckDB-alone floor and the full refresh are each measured; the shortest "
    "run counts [default: 3].",
)
def command(scale: int | None, json_out: Path | None, workdir: Path | None, repeat: int | None) -> None:
    """Measure refreshes at national scale against floors measured in the same run (see docs/benchmarks.md)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    scale = scale or DEFAULT_SCALE
    folder = workdir.resolve() if workdir else Path(tempfile.mkdtemp(prefix="pv-warehouse-bench-"))
    console = Console(stderr=True)
    try:
        with Progress(
            TextColumn("{task.description:<42}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            bar = progress.add_task(STEPS[0], total=len(STEPS))

            def advance(done: str) -> None:
                position = STEPS.index(done) + 1
                progress.update(bar, completed=position, description=STEPS[min(position, len(STEPS) - 1)])

            results = Bench(folder, scale, advance, repeat or DEFAULT_REPEAT).run()
    except BenchFailed as error:
        raise click.ClickException(f"{error}. The benchmark's folder is kept: {folder}") from error
    if json_out:
        json_out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print_results(results)
    if json_out:
        click.echo(f"Every figure: {json_out}")
    if workdir is None:
        shutil.rmtree(folder, ignore_errors=True)
