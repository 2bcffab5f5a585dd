"""`pv-warehouse demo-data`: the demo extracts written into a landing folder, with a progress bar at scale."""

from __future__ import annotations

from pathlib import Path

import click

from pv_warehouse.demo.extracts import write_demo_landing


@click.command("demo-data")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Landing folder to write the demo extracts into (hospital/, pharmacovigilance/ and faers/ are created).",
)
@click.option(
    "--seed",
    type=int,
    default=42,
    show_default=True,
    help="Draws names and identifiers; figures do not depend on it (except the random FAERS quarters').",
)
@click.option(
    "--scale",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Repeat the demo cohort and national cases K times under new identifiers (for benchmarks).",
)
@click.option(
    "--faers-reports",
    type=click.IntRange(min=0),
    default=2000,
    show_default=True,
    help="Reports per FAERS quarter; 450000 writes full-size quarters, 0 none.",
)
@click.option(
    "--faers-quarters",
    type=click.IntRange(0, 8),
    default=2,
    show_default=True,
    help="FAERS quarters to write from 2015Q1 on, zipped and extracted in turn.",
)
def command(out: Path, seed: int, scale: int, faers_reports: int, faers_quarters: int) -> None:
    """Write demo extracts in the landing format: two hospital snapshots, two national exports and synthetic
    FAERS quarters."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    show_copies = scale >= 100
    show_faers = faers_reports >= 100_000 and faers_quarters > 0
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not (show_copies or show_faers),
    ) as progress:
        bar = progress.add_task("writing demo extracts", total=scale, visible=show_copies)
        faers_bar = progress.add_task("writing FAERS reports", total=faers_reports * faers_quarters, visible=show_faers)
        counts = write_demo_landing(
            out,
            seed=seed,
            scale=scale,
            progress=lambda done: progress.update(bar, completed=done),
            faers_reports=faers_reports,
            faers_quarters=faers_quarters,
            faers_progress=lambda done: progress.update(faers_bar, completed=done),
        )
    for name, rows in counts.items():
        click.echo(f"{out / name}: {rows} rows")
