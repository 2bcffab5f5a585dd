"""The data steward's report, read as a steward reads it, and what a run that breaks a study rule does.

The published run's report is the one kept for the session's demo refresh. The broken run copies that
home and landing and adds a newer hospital snapshot in which one adverse event, with no Naranjo item
answered, carries a written total of 15 (the scale ends at 13), then refreshes with e-mail notification
pointed at a local SMTP server: the run must fail at validation, leave analytics.duckdb byte-for-byte
unchanged, report the failure to the steward and e-mail the failing task and rule.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import socket
import subprocess
from collections import Counter, defaultdict
from email import message_from_bytes, policy
from html import unescape
from pathlib import Path

import duckdb
import pytest

from helpers import CHROMIUM_FLAGS, Tables, chromium, refresh, run_id_of
from pv_warehouse.core.run_records import run_dir
from pv_warehouse.core.settings import Settings

NARANJO_RULE = "A Naranjo score lies between -4 and 13, the bounds of the ten-item scale."
STEWARD = "steward@hospital.example"


def body_rows(html: str, table_id: str) -> list[list[str]]:
    """The rows of one table, without its header."""
    return Tables(html).tables[table_id][1:]


def kept_report(home: Path, run: subprocess.CompletedProcess[str]) -> Path:
    settings = Settings(landing_dir=home, home_dir=home)
    return home / "reports" / "runs" / run_dir(settings, run_id_of(run)).name / "steward.html"


@pytest.fixture(scope="module")
def published_report(demo_run) -> tuple[Path, str]:
    _, home, run = demo_run
    assert run.returncode == 0, run.stderr[-3000:]
    path = kept_report(home, run)
    return path, path.read_text(encoding="utf-8")


def test_the_published_run_is_reported_as_published(published_report) -> None:
    _, html = published_report
    assert "Run status: published. Published: analysts read this run's marts." in unescape(html)
    stages = {row[0]: int(row[1]) for row in body_rows(html, "stages")}
    assert stages["load"] == 1
    assert stages["validation"] == 1
    assert stages["publish"] == 1
    assert stages["transformation (dbt)"] == 1
    assert stages["dbt docs site"] == 1
    severities = [row[0] for row in body_rows(html, "expectations")]
    assert severities == ["warning", "warning", "warning"]


def test_rows_per_file_balance_read_with_accepted_and_quarantined(published_report) -> None:
    _, html = published_report
    rows = {row[0]: row[2:5] for row in body_rows(html, "reconciliation")}
    assert rows == {
        "faers/2015q1/faers_ascii_2015q1.zip!ascii/DEMO15Q1.txt": ["2000", "2000", "0"],
        "faers/2015q2/ascii2/DEMO15Q2.txt": ["2000", "2000", "0"],
        "hospital/2016-05-15/adverse_events.csv": ["24", "15", "9"],
        "hospital/2016-05-15/patients.csv": ["27", "22", "5"],
        "hospital/2016-05-15/treatments.csv": ["36", "29", "7"],
        "pharmacovigilance/2016-05-10/pv_cases.csv": ["88", "83", "5"],
    }


def test_every_quarantined_row_is_listed_with_file_row_key_and_reason(published_report) -> None:
    path, html = published_report
    rows = body_rows(html, "quarantine")
    assert len(rows) == 9 + 5 + 7 + 5
    assert ["hospital/2016-05-15/patients.csv", "25", "", "", "missing patient_id"] in rows
    assert [
        "hospital/2016-05-15/treatments.csv",
        "31",
        "40000032",
        "10000148",
        "unparseable number in dose_mg",
    ] in rows
    csv_rows = (path.parent / "quarantined_rows.csv").read_text(encoding="utf-8").splitlines()
    assert csv_rows[0] == "source_file,source_row_number,record_key,patient_id,quarantine_reason"
    assert len(csv_rows) == 1 + 26


def test_labels_disagreements_and_unclaimed_events_are_listed(published_report) -> None:
    _, html = published_report
    assert body_rows(html, "unmapped") == [
        ["indication", "Syndrome de Schnitzler", "1"],
        ["reaction", "Dermatose neutrophilique atypique", "1"],
    ]
    naranjo = body_rows(html, "naranjo")
    assert [row[2:] for row in naranjo] == [["70000010", "10000049", "10", "6", "5"]]
    imputability = body_rows(html, "imputability")
    assert len(imputability) == 6
    assert all(row[-2:] == ["I3", "I2"] for row in imputability)
    assert [row[2] for row in body_rows(html, "unclaimed")] == ["70000012", "70000015"]


def test_faers_drug_name_coverage_is_shown_per_quarter(demo_run, published_report) -> None:
    """Counted here from the raw DRUG rows: prod_ai given; else the name's ingredient when at least 3 of its
    rows give a prod_ai and one is given in 80% of them; else the seed's override; else unmapped."""
    _, home, _ = demo_run
    _, html = published_report
    with duckdb.connect(str(home / "build" / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute("select _source_file, role_cod, drugname, prod_ai from raw.faers_drug").fetchall()

    def key(text: str | None) -> str:
        return " ".join((text or "").split()).upper()

    given: dict[str, Counter[str]] = defaultdict(Counter)
    for _, _, name, prod_ai in rows:
        if key(name) and key(prod_ai):
            given[key(name)][key(prod_ai)] += 1
    learned = {
        name: counts.most_common(1)[0][0]
        for name, counts in given.items()
        if sum(counts.values()) >= 3 and counts.most_common(1)[0][1] >= 0.8 * sum(counts.values())
    }
    overrides = {"KINERET"}  # dbt_project/seeds/faers_drug_name_overrides.csv
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    unmapped: Counter[str] = Counter()
    for source_file, role, name, prod_ai in rows:
        if role not in ("PS", "SS") or not (key(name) or key(prod_ai)):
            continue
        quarter = source_file.split("/")[1].upper()
        method = (
            "prod_ai"
            if key(prod_ai)
            else "learned"
            if key(name) in learned
            else "override"
            if key(name) in overrides
            else "unmapped"
        )
        counts[quarter][method] += 1
        unmapped[key(name)] += method == "unmapped"
    expected = [
        [
            quarter,
            str(sum(by_method.values())),
            *(str(by_method[method]) for method in ("prod_ai", "learned", "override", "unmapped")),
            f"{100 * (1 - by_method['unmapped'] / sum(by_method.values())):.1f}",
        ]
        for quarter, by_method in sorted(counts.items())
    ]
    assert [row[0] for row in expected] == ["2015Q1", "2015Q2"]
    assert body_rows(html, "faers-coverage") == expected
    assert all(int(row[3]) > 0 for row in expected), "the demo's uncoded brand names are learned"
    top = body_rows(html, "faers-unmapped")
    assert len(top) == min(50, len([name for name, n in unmapped.items() if n]))
    assert [(row[0], int(row[1])) for row in top[:3]] == sorted(
        ((name, n) for name, n in unmapped.items() if n), key=lambda item: (-item[1], item[0])
    )[:3]
    assert "No probable duplicate reports across case ids." in html


def test_the_cohort_flow_and_latency_are_drawn_as_charts(published_report) -> None:
    _, html = published_report
    flow = html[html.index('id="cohort-flow"') : html.index('id="latency"')]
    assert "<svg" in flow
    for label in (
        "20 patients, 22 courses",
        "2 patients, 2 courses",
        "5 patients, 6 courses",
        "13 patients, 14 courses",
    ):
        assert label in flow
    assert "9 included patients with a skin reaction; mean latency 7.0 days" in unescape(html)
    assert html.count("<svg") == 2


def test_the_data_docs_link_leads_to_the_validation_report(published_report) -> None:
    path, html = published_report
    assert 'href="../../data_docs/index.html"' in html
    assert (path.parent / "../../data_docs/index.html").resolve().exists()


def test_the_report_shows_no_name_nir_or_birth_date(demo_run, published_report) -> None:
    _, home, _ = demo_run
    path, html = published_report
    with duckdb.connect(str(home / "build" / "warehouse.duckdb"), read_only=True) as con:
        secrets = {
            value
            for row in con.execute(
                "select last_name, first_name, nir, strftime(birth_date, '%d/%m/%Y'), cast(birth_date as varchar) "
                "from staging.stg_hospital__patients"
            ).fetchall()
            for value in row
            if value
        }
    assert len(secrets) > 50
    csvs = sorted(path.parent.glob("*.csv"))
    assert [csv.name for csv in csvs] == [
        "imputability_disagreements.csv",
        "meddra_unmatched_terms.csv",
        "naranjo_disagreements.csv",
        "quarantined_rows.csv",
        "unclaimed_events.csv",
        "unmapped_labels.csv",
    ]
    text = html + "".join(csv.read_text(encoding="utf-8") for csv in csvs)
    assert [secret for secret in secrets if secret in text] == []


def test_chromium_shows_the_run_status_and_the_quarantine_table(published_report, tmp_path: Path) -> None:
    from PIL import Image

    path, _ = published_report
    browser = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    screenshot = tmp_path / "steward.png"
    subprocess.run(
        [*browser, "--window-size=1280,2400", f"--screenshot={screenshot}", path.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    dom = subprocess.run(
        [*browser, "--dump-dom", path.as_uri()], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    status = dom[dom.index('id="run-status"') :]
    assert unescape(status[: status.index("</p>")]).endswith(
        "Run status: published. Published: analysts read this run's marts."
    )
    assert len(body_rows(dom, "quarantine")) == 26
    with Image.open(screenshot) as image:
        assert image.size == (1280, 2400)
        # a page, not a blank: the green status banner, text and table borders
        colours = image.convert("RGB").getcolors(maxcolors=1 << 16) or []
        assert len(colours) > 20
        assert (217, 242, 217) in {colour for _, colour in colours}


# -- a bad night's values, on a build database made here (no refresh) -----------------------------

LONG_LABEL = "Dermatose" + "x" * 4991
FORMULA = '=HYPERLINK("http://x","y")'
BAD_NIGHT = "manual__bad-night"


def build_a_bad_night(root: Path) -> Settings:
    """A home whose build database holds the tables the report reads: a formula and a 5000-character label
    typed into source fields, a wide table of long values, and a patients file delivered again unchanged."""
    from pv_warehouse.ingest.load import BOOKKEEPING_DDL

    settings = Settings(landing_dir=root / "landing", home_dir=root / "home")
    settings.build_db.parent.mkdir(parents=True)
    old, new = "hospital/2016-05-15", "hospital/2016-06-01"
    with duckdb.connect(str(settings.build_db)) as con:
        for statement in BOOKKEEPING_DDL:
            con.execute(statement)
        loaded_at = "2016-06-02 01:00:00+00"
        for sha, table, path, date in [
            ("sha-patients", "hospital_patients", f"{old}/patients.csv", "2016-05-15"),
            ("sha-events-old", "hospital_adverse_events", f"{old}/adverse_events.csv", "2016-05-15"),
            ("sha-events-new", "hospital_adverse_events", f"{new}/adverse_events.csv", "2016-06-01"),
        ]:
            con.execute(
                "insert into raw.load_audit values (?, 'hospital', ?, ?, ?, 'utf-8', false, 100, 3, 'r', ?)",
                [sha, table, path, date, loaded_at],
            )
        for date, table, path, sha in [
            ("2016-05-15", "hospital_patients", f"{old}/patients.csv", "sha-patients"),
            ("2016-05-15", "hospital_adverse_events", f"{old}/adverse_events.csv", "sha-events-old"),
            # the newer snapshot delivers the same patients file again, byte for byte
            ("2016-06-01", "hospital_patients", f"{new}/patients.csv", "sha-patients"),
            ("2016-06-01", "hospital_adverse_events", f"{new}/adverse_events.csv", "sha-events-new"),
        ]:
            con.execute(
                "insert into raw.snapshot_manifest values ('hospital', ?, ?, ?, ?, 100, 0, 'r', ?)",
                [date, table, path, sha, loaded_at],
            )
        con.execute("create schema quarantine")
        con.execute(
            "create table quarantine.load_reconciliation as select * from (values "
            f"('hospital_patients', '{old}/patients.csv', 3, 2, 1, true), "
            f"('hospital_adverse_events', '{new}/adverse_events.csv', 3, 3, 0, true)) "
            "as t(raw_table, source_file, rows_read, rows_accepted, rows_quarantined, is_balanced)"
        )
        con.execute("create schema steward")
        con.execute(
            "create table steward.steward_quarantined_rows as select * from (values "
            f"('{old}/patients.csv', 2, ?, '+33 1 23', 'missing birth_date')) "
            "as t(source_file, source_row_number, record_key, patient_id, quarantine_reason)",
            [FORMULA],
        )
        con.execute(
            "create table steward.steward_unmapped_labels as select * from (values "
            "('indication', ?, 1), ('reaction', '=1+2', 2), ('reaction', '-3', 1)) "
            "as t(label_kind, unmapped_label, n_rows)",
            [LONG_LABEL],
        )
        con.execute(
            "create table steward.steward_naranjo_disagreements (source_file varchar, source_row_number bigint, "
            "event_id varchar, patient_id varchar, n_naranjo_items_answered int, naranjo_score_from_items int, "
            "naranjo_score_written int)"
        )
        # nine columns of long unbroken values: the table must wrap within the page
        wide = ", ".join(f"'{letter * 150}'" for letter in "abcdefghi")
        con.execute(
            f"create table steward.steward_imputability_inconsistencies as select * from (values ({wide})) "
            "as t(source_file, source_row_number, case_id, case_version, reaction_pt, chrono_score, semio_score, "
            "intrinsic_score, expected_intrinsic_score)"
        )
        con.execute(
            "create table steward.steward_unclaimed_events (source_file varchar, source_row_number bigint, "
            "event_id varchar, patient_id varchar, treatment_id varchar, onset_date date, unclaimed_reason varchar)"
        )
        con.execute(
            "create table steward.steward_ends_after_extraction (source_file varchar, source_row_number bigint, "
            "treatment_id varchar, patient_id varchar, atc_code varchar, written_end_date date, extraction_date date)"
        )
        # no MedDRA release dropped in: its steward tables are built empty
        con.execute(
            "create table steward.steward_meddra_releases (language varchar, meddra_version varchar, "
            "release_date date, release_file varchar)"
        )
        con.execute(
            "create table steward.steward_meddra_unmatched_terms (source_name varchar, term varchar, note varchar, "
            "n_rows bigint)"
        )
        con.execute(
            "create table steward.steward_meddra_soc_disagreements (case_id varchar, case_version int, "
            "reaction_llt varchar, reaction_pt varchar, reaction_soc varchar, meddra_pt_name varchar, "
            "release_socs varchar, source_file varchar, source_row_number bigint)"
        )
        # no FAERS quarter in this landing
        con.execute(
            "create table steward.steward_faers_drug_coverage (quarter varchar, n_suspect_rows bigint, "
            "n_by_prod_ai bigint, n_learned bigint, n_override bigint, n_unmapped bigint, pct_mapped double)"
        )
        con.execute(
            "create table steward.steward_faers_unmapped_drug_names (drugname varchar, n_rows bigint, n_cases bigint)"
        )
        con.execute(
            "create table steward.steward_faers_duplicates as "
            "select 0 as n_groups, 0 as n_reports, 0 as n_dropped_from_signals"
        )
        con.execute("create schema marts")
        con.execute(
            "create table marts.cohort_flow as select * from (values ('all_patients', 'population', 3, 3, 1), "
            "('short_course', 'exclusion', 1, 1, 2), ('included', 'population', 2, 2, 3)) "
            "as t(step, step_kind, n_patients, n_courses, step_order)"
        )
        con.execute(
            "create table marts.dim_patients as select * from (values (true, 4), (true, 9), (false, 2)) "
            "as t(is_included, first_reaction_latency_days)"
        )
    events = run_dir(settings, BAD_NIGHT) / "tasks.jsonl"
    events.parent.mkdir(parents=True)
    events.write_text(
        "".join(
            json.dumps({"task_id": "validate", "state": state, "at": at, "try_number": 1}) + "\n"
            for state, at in (("running", "2016-06-02T01:00:00+00:00"), ("success", "2016-06-02T01:00:05+00:00"))
        ),
        encoding="utf-8",
    )
    return settings


@pytest.fixture
def bad_night(tmp_path: Path) -> tuple[Path, str]:
    from pv_warehouse.serve.steward_report import write_report

    settings = build_a_bad_night(tmp_path)
    latest = write_report(settings, BAD_NIGHT, ["load_raw", "transform", "validate", "publish", "report"])
    kept = settings.reports_dir / "runs" / run_dir(settings, BAD_NIGHT).name / "steward.html"
    return kept, latest.read_text(encoding="utf-8")


def read_csv_rows(path: Path) -> list[list[str]]:
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_the_quarantine_csv_writes_a_typed_formula_as_text(bad_night) -> None:
    kept, _ = bad_night
    assert read_csv_rows(kept.parent / "quarantined_rows.csv") == [
        ["source_file", "source_row_number", "record_key", "patient_id", "quarantine_reason"],
        ["hospital/2016-05-15/patients.csv", "2", "'" + FORMULA, "'+33 1 23", "missing birth_date"],
    ]


def test_a_long_label_is_cut_on_the_page_and_whole_in_its_csv(bad_night) -> None:
    kept, html = bad_night
    labels = [row[1] for row in body_rows(html, "unmapped")]
    assert labels[0] == LONG_LABEL[:200] + "\u2026"
    assert labels[1:] == ["-3", "=1+2"]
    assert LONG_LABEL[:201] not in html
    assert len(html) < 60_000
    text = " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())
    assert (
        "Values longer than 200 characters are cut (\u2026) here; every row, whole, as CSV: "
        "runs/manual__bad-night/unmapped_labels.csv." in text
    )
    assert "Every row as CSV: runs/manual__bad-night/quarantined_rows.csv." in text
    assert read_csv_rows(kept.parent / "unmapped_labels.csv") == [
        ["label_kind", "unmapped_label", "n_rows"],
        ["indication", LONG_LABEL, "1"],
        ["reaction", "-3", "1"],
        ["reaction", "'=1+2", "2"],
    ]
    # the kept copy links the CSVs beside it
    assert 'href="unmapped_labels.csv"' in kept.read_text(encoding="utf-8")


def test_a_file_delivered_again_unchanged_is_listed_under_the_newer_snapshot(bad_night) -> None:
    _, html = bad_night
    assert [row[0] for row in body_rows(html, "reconciliation")] == [
        "hospital/2016-06-01/adverse_events.csv",
        "hospital/2016-06-01/patients.csv (same bytes as hospital/2016-05-15/patients.csv)",
    ]


def test_wide_tables_wrap_within_the_page_in_chromium(bad_night, tmp_path: Path) -> None:
    """Every cell of the page lies within the window: long values wrap rather than push columns out of sight."""
    kept, _ = bad_night
    page = kept.read_text(encoding="utf-8")
    assert "overflow-x" not in page
    probe = tmp_path / "probe.html"
    measure = (
        "<script>document.body.dataset.pageWidth = document.documentElement.scrollWidth;"
        "document.body.dataset.windowWidth = window.innerWidth;"
        "document.body.dataset.cellRight = Math.max(...[...document.querySelectorAll('td, th')]"
        ".map(cell => Math.ceil(cell.getBoundingClientRect().right)));</script></body>"
    )
    probe.write_text(page.replace("</body>", measure), encoding="utf-8")
    browser = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1024,800"]
    dom = subprocess.run(
        [*browser, "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    body = dom[dom.index("<body") : dom.index(">", dom.index("<body"))]
    widths = {name: int(value) for name, value in re.findall(r'data-(\w+(?:-\w+)*)="(\d+)"', body)}
    assert widths["window-width"] > 0
    assert widths["page-width"] <= widths["window-width"]
    # the right edge of the rightmost cell: a column scrolled out of a table's box would lie beyond it
    assert widths["cell-right"] <= widths["window-width"]


def test_the_latency_legend_covers_no_bar() -> None:
    from matplotlib.patches import Rectangle

    from pv_warehouse.serve.steward_report import latency_figure

    # as many patients on every day: the bars fill the plot from side to side, up to its top
    figure = latency_figure([day for day in range(15) for _ in range(4)])
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    axes = figure.axes[0]
    legend = axes.get_legend().get_window_extent(renderer)
    bars = [patch.get_window_extent(renderer) for patch in axes.patches if isinstance(patch, Rectangle)]
    assert len(bars) == 15
    assert [bar for bar in bars if bar.overlaps(legend)] == []
    assert axes.get_legend().get_texts()[0].get_text() == "mean 7.0 days"


# -- a run that breaks a study rule ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def broken_run(demo_run, tmp_path_factory: pytest.TempPathFactory):
    """Refresh a copy of the demo home with a newer hospital snapshot whose Naranjo total is off the scale."""
    from aiosmtpd.controller import Controller

    demo_landing, home, first = demo_run
    assert first.returncode == 0, first.stderr[-3000:]
    root = tmp_path_factory.mktemp("broken")
    shutil.copytree(home, root / "home")
    landing = root / "landing"
    shutil.copytree(demo_landing, landing)
    newer = landing / "hospital" / "2016-06-01"
    shutil.copytree(landing / "hospital" / "2016-05-15", newer)
    events = newer / "adverse_events.csv"
    lines = events.read_text(encoding="cp1252").split("\n")
    # event 70000001 answers no Naranjo item: its score is the written total, here out of the scale
    assert lines[1].startswith("70000001;") and ";;;;;;;;;;4;recovered;" in lines[1]
    lines[1] = lines[1].replace(";;;;;;;;;;4;recovered;", ";;;;;;;;;;15;recovered;")
    events.write_text("\n".join(lines), encoding="cp1252", newline="")

    class Inbox:
        def __init__(self) -> None:
            self.messages: list = []

        async def handle_DATA(self, server, session, envelope) -> str:
            self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
            return "250 OK"

    inbox = Inbox()
    port = free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    published_digest = hashlib.sha256((root / "home" / "analytics.duckdb").read_bytes()).hexdigest()
    connection = {
        "conn_type": "smtp",
        "host": "127.0.0.1",
        "port": port,
        "extra": {"disable_tls": True, "disable_ssl": True},
    }
    try:
        run = refresh(
            landing,
            root / "home",
            {
                "PV_WAREHOUSE_NOTIFY_EMAIL": STEWARD,
                "AIRFLOW_CONN_SMTP_DEFAULT": json.dumps(connection),
            },
        )
    finally:
        server.stop()
    return root / "home", run, published_digest, inbox.messages


def test_a_snapshot_breaking_the_naranjo_scale_fails_at_validation(broken_run) -> None:
    _, run, _, _ = broken_run
    assert run.returncode == 1
    assert "failed; nothing was published" in run.stderr
    assert "validate: " in run.stderr
    assert NARANJO_RULE in run.stderr


def test_nothing_is_published_and_the_previous_file_stays(broken_run) -> None:
    home, _, digest, _ = broken_run
    assert hashlib.sha256((home / "analytics.duckdb").read_bytes()).hexdigest() == digest
    assert list((home / "publish").glob("*.duckdb")) == []


def test_the_report_tells_the_steward_which_rule_failed(broken_run) -> None:
    home, run, _, _ = broken_run
    html = (home / "reports" / "steward.html").read_text(encoding="utf-8")
    kept = kept_report(home, run).read_text(encoding="utf-8")
    assert f"nightly run <code>{run_id_of(run)}</code>" in html
    assert body_rows(kept, "expectations") == body_rows(html, "expectations")
    assert "Run status: failed. Failed: nothing was published; analysts keep the previous warehouse." in unescape(html)
    assert [row[0] for row in body_rows(html, "failures")] == ["validate"]
    critical = [row for row in body_rows(html, "expectations") if row[0] == "critical"]
    assert [row[1:4] for row in critical] == [["marts.fct_cutaneous_reactions", "naranjo_score", NARANJO_RULE]]
    assert critical[0][4] == "1 of 13 rows checked break the rule (7.7%)"
    assert "Not run, because an earlier task failed: dbt_docs, publish." in unescape(html)


def test_files_delivered_again_unchanged_are_listed_under_the_newer_snapshot(broken_run) -> None:
    home, _, _, _ = broken_run
    html = (home / "reports" / "steward.html").read_text(encoding="utf-8")
    # the newer snapshot copies patients.csv and treatments.csv byte for byte and changes adverse_events.csv
    rows = {row[0]: row[2:5] for row in body_rows(html, "reconciliation") if row[0].startswith("hospital/")}
    assert rows == {
        "hospital/2016-06-01/adverse_events.csv": ["24", "15", "9"],
        "hospital/2016-06-01/patients.csv (same bytes as hospital/2016-05-15/patients.csv)": ["27", "22", "5"],
        "hospital/2016-06-01/treatments.csv (same bytes as hospital/2016-05-15/treatments.csv)": ["36", "29", "7"],
    }


def test_the_steward_is_emailed_the_failing_task_and_rule(broken_run) -> None:
    _, run, _, messages = broken_run
    assert len(messages) == 1, run.stderr[-3000:]
    recipients, message = messages[0]
    assert recipients == [STEWARD]
    assert message["Subject"] == f"[pv-warehouse] nightly run {run_id_of(run)} failed at task validate"
    body = message.get_body(preferencelist=("html", "plain")).get_content()
    assert NARANJO_RULE in body
    assert "Nothing was published" in body
