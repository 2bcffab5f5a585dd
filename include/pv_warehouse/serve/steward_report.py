"""The data steward's report of a run: one self-contained HTML page.

Written at the end of every run, successful or not, to `<home>/reports/steward.html` (the latest run)
and `<home>/reports/runs/<run id>/steward.html` (kept), beside one CSV per list of rows (every
quarantined row, unmapped label, disagreement and unclaimed event), written through
`pv_warehouse.serve.csv_export` so no cell runs as a spreadsheet formula. It shows the run's status and
timings, each hospital and national file's rows against the previous snapshot and the snapshots an
operator accepted despite a fall in rows, the rows read, accepted and held back per file (a file
delivered again unchanged under the newer snapshot, with the file whose bytes it repeats), every
quarantined row, unmapped labels, Naranjo and imputability disagreements, events no course claims, the
cohort flow as a diagram and the latency distribution as a chart, and links to the Great Expectations
Data Docs. A value longer than MAX_LABEL_CHARS is cut on the page (the CSV holds it whole), and tables
wrap their cells rather than hide columns, so one bad field cannot blow the page up.

It may show the hospital patient identifier so the steward can find a record in the medical software;
the steward models it reads carry no name, NIR or birth date. Charts are drawn by matplotlib and
inlined as SVG, so the page opens anywhere without a network.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pv_warehouse.core.build_db import connect_build
from pv_warehouse.core.run_records import (
    REFUSED,
    TaskTiming,
    percent,
    read_acceptances,
    read_completeness,
    read_failures,
    read_task_timings,
    read_unchanged,
    run_dir,
    validation_file,
)
from pv_warehouse.core.settings import Settings
from pv_warehouse.ingest.contract import COMPARED_SOURCES
from pv_warehouse.serve.csv_export import write_rows

if TYPE_CHECKING:
    from collections.abc import Iterator

    import duckdb

log = logging.getLogger(__name__)

TEMPLATE = "steward.html.j2"
MAX_ROWS_SHOWN = 500
# longer values are cut on the page, with an ellipsis; the section's CSV holds them whole
MAX_LABEL_CHARS = 200
# the FAERS drug names counted unmapped that the report lists, most frequent first
MAX_UNMAPPED_DRUG_NAMES = 50
QUARANTINE_CSV = "quarantined_rows.csv"
# the sections written whole as CSV beside the page, and their files
SECTION_CSVS = {
    "quarantine": QUARANTINE_CSV,
    "unmapped": "unmapped_labels.csv",
    "naranjo": "naranjo_disagreements.csv",
    "imputability": "imputability_disagreements.csv",
    "unclaimed": "unclaimed_events.csv",
    "meddra_unmatched": "meddra_unmatched_terms.csv",
}
STAGES = {
    "load_raw": "load",
    "transform": "transformation (dbt)",
    "validate": "validation",
    "publish": "publish",
    "dbt_docs": "dbt docs site",
    "report": "report",
}


@dataclass
class Table:
    """Rows of one section of the report, with how many there are in all."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    total: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)

    @property
    def has_cut_values(self) -> bool:
        """True when a value is longer than the page shows."""
        return any(isinstance(value, str) and len(value) > MAX_LABEL_CHARS for row in self.rows for value in row)


@dataclass
class ReportData:
    """Everything the template shows."""

    run_id: str
    status: str
    status_text: str
    generated_at: str
    tasks: list[TaskTiming]
    stages: list[tuple[str, float, int]]
    not_run: list[str]
    failures: list[dict[str, str]]
    validation: dict[str, Any] | None
    models_built: bool
    sections: dict[str, Table] = field(default_factory=dict)
    row_counts: Table | None = None
    row_counts_scope: str = ""
    acceptances: Table | None = None
    cohort_flow_svg: str | None = None
    latency_svg: str | None = None
    latency_summary: str | None = None


def write_report(settings: Settings, run_id: str, task_ids: list[str]) -> Path:
    """Build the report of `run_id` and write it as the latest and as the run's own copy; return the latest."""
    data = collect(settings, run_id, task_ids)
    kept_dir = settings.reports_dir / "runs" / run_dir(settings, run_id).name
    kept_dir.mkdir(parents=True, exist_ok=True)
    if data.models_built:
        _export_sections(settings, kept_dir)
    kept = kept_dir / "steward.html"
    kept.write_text(render(data, docs_href="../../data_docs/index.html", csv_dir=""), encoding="utf-8")
    latest = settings.reports_dir / "steward.html"
    staged = latest.with_suffix(".html.tmp")
    staged.write_text(
        render(data, docs_href="data_docs/index.html", csv_dir=f"runs/{kept_dir.name}/"),
        encoding="utf-8",
    )
    staged.replace(latest)
    log.info("steward report of run %s: %s (kept as %s)", run_id, latest, kept)
    return latest


# -- what happened ------------------------------------------------------------------------------


def collect(settings: Settings, run_id: str, task_ids: list[str]) -> ReportData:
    """Read the run's records and, when this run rebuilt the models, the steward tables."""
    tasks = [timing for timing in read_task_timings(settings, run_id) if timing.task_id != "report"]
    states = {timing.task_id: timing.state for timing in tasks}
    failures = read_failures(settings, run_id)
    path = validation_file(settings, run_id)
    validation = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    published = states.get("publish") == "success"
    failed = bool(failures) or any(state == "failed" for state in states.values())
    unchanged = read_unchanged(settings, run_id)
    if unchanged and not failed:
        status, text = (
            "unchanged",
            f"Nothing new: no delivery and no rule changed since run {unchanged['run_id']}, published "
            f"{unchanged['published_at']}; the marts were not rebuilt, and analysts read the same warehouse, "
            "republished by this run.",
        )
    elif published and not failed:
        status, text = "published", "Published: analysts read this run's marts."
    elif published:
        status, text = "failed", "Failed after publishing: analysts read this run's marts; see the failure below."
    elif failed:
        status, text = "failed", "Failed: nothing was published; analysts keep the previous warehouse."
    else:
        status, text = "incomplete", "Incomplete: the run stopped before publishing; nothing was published."
    # validation starts only once every dbt model of this run was built
    models_built = "validate" in states and settings.build_db.exists()
    data = ReportData(
        run_id=run_id,
        status=status,
        status_text=text,
        generated_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        tasks=tasks,
        stages=_stages(tasks),
        not_run=[task for task in task_ids if task not in states and task not in ("report", "end_run")],
        failures=failures,
        validation=validation,
        models_built=models_built,
    )
    acceptances = read_acceptances(settings)
    data.row_counts, data.row_counts_scope = _row_counts(settings, run_id, acceptances)
    data.acceptances = _acceptances_table(acceptances)
    if models_built:
        _read_sections(settings, data)
    return data


# -- completeness ------------------------------------------------------------------------------

ROW_COUNT_COLUMNS = ["file", "rows", "previous snapshot", "previous rows", "change %", "note"]
# each hospital and national file of the newest snapshot of its source, against the same file of the
# snapshot before it
NEWEST_ROW_COUNTS = """
    with files as (
        select manifest.source, manifest.snapshot_date, manifest.raw_table, manifest.source_file, manifest.sha256,
            audit.rows_read
        from raw.snapshot_manifest as manifest
        join raw.load_audit as audit on audit.sha256 = manifest.sha256
        where list_contains(?, manifest.source)
    ),
    compared as (
        select *,
            lag(snapshot_date) over by_file as previous_date,
            lag(rows_read) over by_file as previous_rows,
            snapshot_date = max(snapshot_date) over (partition by source) as is_newest
        from files
        window by_file as (partition by source, raw_table order by snapshot_date)
    )
    select source_file, sha256, rows_read, source || '/' || strftime(previous_date, '%Y-%m-%d'), previous_rows
    from compared where is_newest order by source_file
"""


def _row_counts(settings: Settings, run_id: str, acceptances: list[dict[str, Any]]) -> tuple[Table | None, str]:
    """Rows of each hospital and national file against the previous snapshot, and which files these are: the
    files this run checked when it refused a snapshot for a fall in rows, else the newest snapshot of each
    source in raw."""
    import duckdb

    accepted = {
        (file["source_file"], file["sha256"]): acceptance for acceptance in acceptances for file in acceptance["files"]
    }
    record = read_completeness(settings, run_id)
    if record and any(file["verdict"] == REFUSED for file in record["files"]):
        files = sorted(
            (f["source_file"], f["sha256"], f["rows"], f["previous_snapshot"], f["previous_rows"], f["verdict"])
            for f in record["files"]
        )
        scope = "Each hospital and national file this run checked (its snapshots were not loaded)"
    elif settings.build_db.exists():
        con = connect_build(settings, read_only=True)
        try:
            found = con.execute(NEWEST_ROW_COUNTS, [list(COMPARED_SOURCES)]).fetchall()
        except duckdb.CatalogException:  # no load ever committed
            return None, ""
        finally:
            con.close()
        files = [(*row, None) for row in found]
        scope = "Each hospital and national file of the newest snapshot of its source in the raw layer"
    else:
        return None, ""
    rows = []
    for source_file, sha256, count, previous_snapshot, previous_rows, verdict in files:
        acceptance = accepted.get((source_file, sha256))
        if verdict == REFUSED:
            note = "refused: fell by more than max_row_drop_pct"
        elif acceptance:
            note = f"accepted by {acceptance['accepted_by']} on {acceptance['accepted_at']}: {acceptance['reason']}"
        elif previous_rows is None:
            note = "first snapshot"
        else:
            note = ""
        change = None
        if previous_rows:
            change = 100 * (count - previous_rows) / previous_rows
            change = ("+" if change > 0 else "") + percent(change)
        rows.append((source_file, count, previous_snapshot, previous_rows, change, note))
    return Table(columns=ROW_COUNT_COLUMNS, rows=rows, total=len(rows)), scope


def _acceptances_table(acceptances: list[dict[str, Any]]) -> Table:
    """Every accepted file, newest acceptance first."""
    rows = [
        (
            acceptance["snapshot"],
            file["source_file"],
            file["rows"],
            file["previous_snapshot"],
            file["previous_rows"],
            acceptance["accepted_by"],
            acceptance["accepted_at"],
            acceptance["reason"],
        )
        for acceptance in reversed(acceptances)
        for file in acceptance["files"]
    ]
    columns = ["snapshot", "file", "rows", "previous snapshot", "previous rows", "accepted by", "accepted at", "reason"]
    return Table(columns=columns, rows=rows, total=len(rows))


def _stages(tasks: list[TaskTiming]) -> list[tuple[str, float, int]]:
    """Seconds and task count per stage: load, transformation (one dbt build), validation, publish."""
    totals: dict[str, tuple[float, int]] = {}
    for timing in tasks:
        stage = STAGES.get(timing.task_id, timing.task_id)
        seconds, count = totals.get(stage, (0.0, 0))
        totals[stage] = (seconds + (timing.seconds or 0.0), count + 1)
    return [(stage, seconds, count) for stage, (seconds, count) in totals.items()]


SECTION_QUERIES = {
    "reconciliation": """
        select source_file, raw_table, rows_read, rows_accepted, rows_quarantined, is_balanced
        from quarantine.load_reconciliation order by source_file
    """,
    "quarantine": """
        select source_file, source_row_number, record_key, patient_id, quarantine_reason
        from steward.steward_quarantined_rows order by source_file, source_row_number
    """,
    "unmapped": """
        select label_kind, unmapped_label, n_rows from steward.steward_unmapped_labels
        order by label_kind, unmapped_label
    """,
    "naranjo": """
        select source_file, source_row_number, event_id, patient_id, n_naranjo_items_answered,
            naranjo_score_from_items, naranjo_score_written
        from steward.steward_naranjo_disagreements order by source_file, source_row_number
    """,
    "imputability": """
        select source_file, source_row_number, case_id, case_version, reaction_pt, chrono_score, semio_score,
            intrinsic_score, expected_intrinsic_score
        from steward.steward_imputability_inconsistencies order by source_file, source_row_number
    """,
    "unclaimed": """
        select source_file, source_row_number, event_id, patient_id, treatment_id, onset_date, unclaimed_reason
        from steward.steward_unclaimed_events order by source_file, source_row_number
    """,
    "meddra_releases": """
        select language, meddra_version, release_date, release_file from steward.steward_meddra_releases
        order by language
    """,
    "meddra_unmatched": """
        select source_name, term, n_rows, note from steward.steward_meddra_unmatched_terms
        order by source_name, n_rows desc, term
    """,
    "meddra_soc": """
        select source_file, source_row_number, case_id, case_version, reaction_llt, reaction_pt, reaction_soc,
            meddra_pt_name, release_socs
        from steward.steward_meddra_soc_disagreements order by source_file, source_row_number
    """,
    "faers_coverage": """
        select quarter, n_suspect_rows, n_by_prod_ai, n_learned, n_override, n_unmapped, pct_mapped
        from steward.steward_faers_drug_coverage order by quarter
    """,
    "faers_unmapped": f"""
        select drugname, n_rows, n_cases from steward.steward_faers_unmapped_drug_names
        order by n_rows desc, drugname limit {MAX_UNMAPPED_DRUG_NAMES}
    """,
    "faers_duplicates": """
        select n_groups, n_reports, n_dropped_from_signals from steward.steward_faers_duplicates
    """,
    "ends_after_extraction": """
        select source_file, source_row_number, treatment_id, patient_id, atc_code, written_end_date, extraction_date
        from steward.steward_ends_after_extraction order by source_file, source_row_number
    """,
}


# files of the newest snapshot of each source whose bytes were first delivered under another name: the
# raw rows (and so the reconciliation) carry the first name, the manifest the newer one
REDELIVERED_QUERY = """
    select first.raw_table, first.source_file, newest.source_file
    from raw.load_audit as first
    inner join raw.snapshot_manifest as newest
        on newest.sha256 = first.sha256 and newest.raw_table = first.raw_table
    where newest.source_file <> first.source_file
        and newest.snapshot_date = (
            select max(latest.snapshot_date) from raw.snapshot_manifest as latest where latest.source = newest.source
        )
"""


def _read_sections(settings: Settings, data: ReportData) -> None:
    con = connect_build(settings, read_only=True)
    try:
        for name, query in SECTION_QUERIES.items():
            data.sections[name] = _table(con, query)
        redelivered = {(row[0], row[1]): row[2] for row in con.sql(REDELIVERED_QUERY).fetchall()}
        show_redelivered(data.sections["reconciliation"], redelivered)
        flow = con.sql("select step, step_kind, n_patients, n_courses from marts.cohort_flow order by step_order")
        data.cohort_flow_svg = cohort_flow_svg(flow.fetchall())
        latencies = [
            row[0]
            for row in con.sql(
                "select first_reaction_latency_days from marts.dim_patients "
                "where is_included and first_reaction_latency_days is not null"
            ).fetchall()
        ]
    finally:
        con.close()
    data.latency_svg = latency_svg(latencies)
    if latencies:
        mean = sum(latencies) / len(latencies)
        data.latency_summary = (
            f"{len(latencies)} included patients with a skin reaction; mean latency {mean:.1f} days, "
            f"from {min(latencies)} to {max(latencies)} days."
        )


def _table(con: duckdb.DuckDBPyConnection, query: str) -> Table:
    relation = con.sql(query)
    total = con.execute(f"select count(*) from ({query})").fetchall()[0][0]
    return Table(columns=list(relation.columns), rows=relation.limit(MAX_ROWS_SHOWN).fetchall(), total=total)


def show_redelivered(section: Table, redelivered: dict[tuple[str, str], str]) -> None:
    """List each file delivered again unchanged under its newer name, saying which file's bytes it repeats.

    `redelivered` maps (raw table, first file name) to the name in the newest snapshot.
    """
    file_at, table_at = section.columns.index("source_file"), section.columns.index("raw_table")
    rows = []
    for row in section.rows:
        newer = redelivered.get((row[table_at], row[file_at]))
        if newer:
            row = (*row[:file_at], f"{newer} (same bytes as {row[file_at]})", *row[file_at + 1 :])
        rows.append(row)
    section.rows = sorted(rows, key=lambda row: row[file_at])


def _export_sections(settings: Settings, folder: Path) -> None:
    """Every row of each listed section as CSV, for a steward working through more rows than the page
    shows, or reading a value the page cuts."""
    con = connect_build(settings, read_only=True)
    try:
        for name, file_name in SECTION_CSVS.items():
            cursor = con.execute(SECTION_QUERIES[name])
            columns = [column[0] for column in cursor.description]
            with (folder / file_name).open("w", encoding="utf-8", newline="") as handle:
                write_rows(handle, columns, _fetched(cursor))
    finally:
        con.close()


def _fetched(cursor: duckdb.DuckDBPyConnection) -> Iterator[tuple[Any, ...]]:
    """The cursor's rows, fetched in batches."""
    while batch := cursor.fetchmany(10_000):
        yield from batch


# -- charts ------------------------------------------------------------------------------------


def _svg(figure: Any) -> str:
    """The figure as inline SVG, without the XML prologue."""
    import matplotlib
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    # text stays text: smaller, searchable, and read by screen readers
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def cohort_flow_svg(steps: list[tuple[str, str, int, int]]) -> str:
    """The inclusion flow as boxes and arrows: populations down the middle, each exclusion to the side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    populations = [step for step in steps if step[1] == "population"]
    exclusions = [step for step in steps if step[1] == "exclusion"]
    height = 1.6 * (len(exclusions) + 2)
    figure, axes = plt.subplots(figsize=(8, height * 0.62))
    axes.set_xlim(0, 10)
    axes.set_ylim(0, height)
    axes.axis("off")

    def box(x: float, y: float, text: str, colour: str) -> None:
        axes.add_patch(
            FancyBboxPatch((x - 2.1, y - 0.45), 4.2, 0.9, boxstyle="round,pad=0.05", facecolor=colour, edgecolor="#333")
        )
        axes.text(x, y, text, ha="center", va="center", fontsize=9)

    def label(step: tuple[str, str, int, int]) -> str:
        name = step[0].replace("_", " ").capitalize()
        return f"{name}\n{step[2]} patients, {step[3]} courses"

    top = height - 0.8
    box(3, top, label(populations[0]), "#dbe9f6")
    for index, step in enumerate(exclusions, start=1):
        y = top - 1.6 * index
        axes.annotate("", xy=(5.4, y), xytext=(3, y), arrowprops={"arrowstyle": "->", "color": "#555"})
        box(7.6, y, label(step), "#fbe3d6")
    bottom = top - 1.6 * (len(exclusions) + 1)
    axes.annotate("", xy=(3, bottom + 0.5), xytext=(3, top - 0.5), arrowprops={"arrowstyle": "->", "color": "#555"})
    if len(populations) > 1:
        box(3, bottom, label(populations[-1]), "#d9f2d9")
    return _svg(figure)


def latency_svg(latencies: list[int]) -> str | None:
    """Histogram of the included patients' first-reaction latencies, with the mean marked."""
    if not latencies:
        return None
    return _svg(latency_figure(latencies))


def latency_figure(latencies: list[int]) -> Any:
    """The latency histogram as a matplotlib figure; its legend sits above the plot, clear of every bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    figure, axes = plt.subplots(figsize=(7, 3.2))
    bins = range(0, max(latencies) + 2)
    axes.hist(latencies, bins=bins, color="#4a7fb5", edgecolor="white", align="left")
    mean = sum(latencies) / len(latencies)
    axes.axvline(mean, color="#c0392b", linestyle="--", label=f"mean {mean:.1f} days")
    axes.set_xlabel("days from course start to first skin reaction")
    axes.set_ylabel("patients")
    for axis in (axes.yaxis, axes.xaxis):
        # ticks on whole numbers: matplotlib's default locator (AutoLocator) is a MaxNLocator, which takes `integer`
        locator = axis.get_major_locator()
        if isinstance(locator, MaxNLocator):
            locator.set_params(integer=True)
    # outside the axes, above their top right corner: no bar can reach it, whatever the distribution
    axes.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), borderaxespad=0.2, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    return figure


# -- page --------------------------------------------------------------------------------------


def render(data: ReportData, *, docs_href: str, csv_dir: str) -> str:
    """The page, from the Jinja template shipped with the package; `csv_dir` leads from it to the CSVs."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(
        loader=PackageLoader("pv_warehouse.serve", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["seconds"] = _format_seconds
    environment.filters["cut"] = cut_label
    environment.filters["soft_breaks"] = _soft_breaks
    csv_hrefs = {name: f"{csv_dir}{file_name}" for name, file_name in SECTION_CSVS.items()}
    return environment.get_template(TEMPLATE).render(
        data=data,
        docs_href=docs_href,
        csv_hrefs=csv_hrefs,
        max_rows=MAX_ROWS_SHOWN,
        max_label_chars=MAX_LABEL_CHARS,
    )


def cut_label(value: Any) -> Any:
    """A text longer than MAX_LABEL_CHARS cut there, with an ellipsis; anything else as it is."""
    if isinstance(value, str) and len(value) > MAX_LABEL_CHARS:
        return value[:MAX_LABEL_CHARS] + "\u2026"
    return value


def _soft_breaks(name: str) -> Any:
    """A column name that may wrap after each underscore (`rows_<wbr>read`), so narrow columns keep whole
    words in their headers."""
    from markupsafe import Markup, escape

    return Markup("_<wbr>").join(escape(part) for part in name.split("_"))


def _format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"
