"""The reports open from disk on a machine with no network, and load nothing from outside the home.

Headless Chromium opens the session's refreshed home with name resolution failing for every host and a
proxy on a closed loopback port, and writes its network log: every request a page makes to the network is
in it, whether it would have succeeded or not (files read from disk are not). A probe page loading from a
closed loopback port shows that the log and the scan of the HTML do see such requests.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from helpers import CHROMIUM_FLAGS, PUBLISHED_MARTS, chromium, published, run_id_of
from pv_warehouse.core.offline_html import (
    SITE_VERSION,
    dbt_docs_offline,
    external_references,
    install_data_docs_assets,
    mark_site_current,
    scan_reports,
    without_dark_mode,
    without_external_urls,
)
from pv_warehouse.core.settings import Settings

OFFLINE_FLAGS = [
    *CHROMIUM_FLAGS,
    # no network: every host name fails to resolve, and what does not need one goes to a closed port
    "--host-resolver-rules=MAP * ~NOTFOUND",
]


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class OfflineVisit:
    """What Chromium showed of a page opened from disk without a network."""

    dom: str
    requests: list[str]
    console_errors: list[str]


def open_offline(url: str, workdir: Path) -> OfflineVisit:
    """Open `url` in headless Chromium with no network; the DOM once its scripts ran, the addresses the page
    asked the network for (from Chromium's network log), and the errors its scripts raised."""
    workdir.mkdir(parents=True, exist_ok=True)
    netlog = workdir / "netlog.json"
    run = subprocess.run(
        [
            chromium(),
            *OFFLINE_FLAGS,
            f"--proxy-server=127.0.0.1:{closed_port()}",
            f"--user-data-dir={workdir / 'profile'}",
            f"--log-net-log={netlog}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    log = json.loads(netlog.read_text(encoding="utf-8"))
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    # requests made for a page opened from disk; Chromium's own (updates, time) are not the page's doing
    requests = [
        event["params"]["url"]
        for event in log["events"]
        if event["type"] == start_job
        and "url" in event.get("params", {})
        and "file://" in event["params"].get("network_isolation_key", "")
    ]
    errors = [line for line in run.stderr.splitlines() if "CONSOLE" in line and "Uncaught" in line]
    return OfflineVisit(run.stdout, requests, errors)


@dataclass
class Row:
    attrs: dict[str, str]
    cells: list[str] = field(default_factory=list)
    icons: list[str] = field(default_factory=list)


class TableRows(HTMLParser):
    """Every table row of a page outside <thead>: its attributes, its cells' text and its status icons."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.rows: list[Row] = []
        self._cell: list[str] | None = None
        self._head = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "thead":
            self._head = True
        elif tag == "tr" and not self._head:
            self.rows.append(Row(values))
        elif tag in ("td", "th") and self.rows and not self._head:
            self._cell = []
        elif tag == "i" and self.rows and self._cell is not None:
            classes = values.get("class", "").split()
            self.rows[-1].icons.extend(name for name in classes if name in ("fa-check-circle", "fa-times"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._head = False
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1].cells.append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def suite_names(settings: Settings) -> set[str]:
    return {path.stem for path in settings.expectations_dir.glob("*.py") if not path.name.startswith("_")}


@pytest.fixture(scope="module")
def offline_home(demo_run) -> tuple[Settings, str]:
    landing, home, run = demo_run
    assert run.returncode == 0, run.stderr[-3000:]
    return Settings(landing_dir=landing, home_dir=home), run_id_of(run)


# -- the detectors see what they must ----------------------------------------------------------


def test_a_page_loading_from_the_network_is_caught_by_the_log_and_the_scan(tmp_path: Path) -> None:
    port = closed_port()
    page = tmp_path / "probe.html"
    page.write_text(
        f'<!DOCTYPE html><html><head><link rel="stylesheet" href="https://127.0.0.1:{port}/probe.css"></head>'
        f'<body><img src="http://127.0.0.1:{port}/probe.png" alt="probe"></body></html>',
        encoding="utf-8",
    )
    visit = open_offline(page.as_uri(), tmp_path / "chromium")
    assert f"http://127.0.0.1:{port}/probe.png" in visit.requests
    assert f"https://127.0.0.1:{port}/probe.css" in visit.requests
    assert [(ref.where, ref.url) for ref in external_references(page)] == [
        ("<link href>", f"https://127.0.0.1:{port}/probe.css"),
        ("<img src>", f"http://127.0.0.1:{port}/probe.png"),
    ]


def test_the_scan_reads_tags_styles_and_linked_stylesheets_and_lets_local_addresses_be(tmp_path: Path) -> None:
    (tmp_path / "local.css").write_text(
        "@import 'https://127.0.0.1/imported.css';\n.logo { background: url(\"./logo.png\"); }\n", encoding="utf-8"
    )
    page = tmp_path / "page.html"
    page.write_text(
        """<!DOCTYPE html><html><head>
        <link rel="stylesheet" href="local.css">
        <script src="static/app.js"></script>
        <script src="HTTPS://127.0.0.1/cdn.js"></script>
        <style>.a { background: url('data:image/gif;base64,R0lGOD') }
        .b { background: url(http://127.0.0.1/b.png) }</style>
        </head><body>
        <a href="https://127.0.0.1/elsewhere">a link is followed only when clicked</a>
        <img src="images/local.png" srcset="images/x2.png 2x, https://127.0.0.1/x3.png 3x" alt="">
        <div style="background-image: url('https://127.0.0.1/c.png')"></div>
        <svg xmlns="http://www.w3.org/2000/svg"><use href="#icon"></use></svg>
        <iframe src="file:///tmp/other.html"></iframe>
        </body></html>""",
        encoding="utf-8",
    )
    assert [(ref.where, ref.url) for ref in external_references(page)] == [
        ("<script src>", "HTTPS://127.0.0.1/cdn.js"),
        ("<style>", "http://127.0.0.1/b.png"),
        ("<img srcset>", "https://127.0.0.1/x3.png"),
        ("<div style>", "https://127.0.0.1/c.png"),
        ("stylesheet local.css", "https://127.0.0.1/imported.css"),
    ]


def test_gx_stylesheet_loses_its_dark_mode_block_and_external_urls() -> None:
    css = (
        ".a { color: red; }\n"
        "@media (prefers-color-scheme: dark) {\n  .table { color: #f1f1f1; }\n"
        "  .navbar-brand a { background: url('https://127.0.0.1/dark.png') 0 0 no-repeat; }\n}\n"
        ".b { background: url(https://127.0.0.1/b.png) no-repeat; }\n.c { background: url('c.png'); }\n"
    )
    assert without_external_urls(without_dark_mode(css)) == (
        ".a { color: red; }\n\n.b { background: none no-repeat; }\n.c { background: url('c.png'); }\n"
    )


def test_dbt_docs_keep_the_usage_tracker_off() -> None:
    page = 'manifest:{"metadata": {"user_id": null, "send_anonymous_usage_stats": true, "adapter_type": "duckdb"}}'
    assert dbt_docs_offline(page) == page.replace('stats": true', 'stats": false')


def test_assets_are_copied_once_and_earlier_pages_are_rendered_again_once(tmp_path: Path) -> None:
    site = tmp_path / "data_docs"
    # a new site: nothing rendered before
    assert install_data_docs_assets(site) is False
    assert sorted(path.name for path in (site / "static" / "offline").iterdir()) == [
        "bootstrap.bundle.min.js",
        "bootstrap.min.css",
        "jquery.min.js",
    ]
    assert (site / "static" / "offline" / "jquery.min.js").read_text(encoding="utf-8").startswith("/*! jQuery v3.")
    # a site rendered by GX's own templates: its pages must be rendered again, then no more
    (site / "index.html").write_text("<html></html>", encoding="utf-8")
    assert install_data_docs_assets(site) is True
    mark_site_current(site)
    version = site / "static" / "offline" / "site-version"
    assert version.read_text(encoding="utf-8") == SITE_VERSION + "\n"
    assert install_data_docs_assets(site) is False


# -- the reports of a refreshed home -----------------------------------------------------------


def test_no_report_under_reports_loads_anything_from_outside(offline_home) -> None:
    settings, run_id = offline_home
    reports = settings.reports_dir
    pages = sorted(reports.rglob("*.html"))
    kinds = {page.relative_to(reports).parts[0] for page in pages}
    assert kinds == {"steward.html", "runs", "data_docs", "dbt_docs"}
    validation_pages = list((reports / "data_docs" / "validations").glob(f"*/{run_id}/*/*.html"))
    assert len(validation_pages) == len(suite_names(settings))
    assert [reference.describe() for reference in scan_reports(reports)] == []


def test_the_data_docs_run_list_shows_this_run_with_no_network(offline_home, tmp_path: Path) -> None:
    settings, run_id = offline_home
    index = settings.data_docs_dir / "index.html"
    visit = open_offline(index.as_uri(), tmp_path)
    assert visit.requests == []
    assert visit.console_errors == []
    # Validation Results: status, run time, run name, asset, batch, suite; one row per suite of this run
    runs = [row for row in TableRows(visit.dom).rows if len(row.cells) == 6 and row.cells[2] == run_id]
    assert {row.cells[5] for row in runs} == suite_names(settings)
    assert len(runs) == len(suite_names(settings))
    for row in runs:
        assert len(row.icons) == 1
        # the row leads to the run's validation page of that suite
        assert (index.parent / unquote(row.attrs["data-href"])).is_file()


def test_a_validation_page_shows_its_expectations_with_no_network(offline_home, tmp_path: Path) -> None:
    from pv_warehouse.core.study import load_parameters
    from pv_warehouse.validate.suites import load_suites

    settings, run_id = offline_home
    suite = next(
        suite
        for suite in load_suites(settings.expectations_dir, load_parameters(settings.dbt_project_dir))
        if suite.name == "fct_pv_cases"
    )
    (page,) = (settings.data_docs_dir / "validations" / "fct_pv_cases" / run_id).rglob("*.html")
    visit = open_offline(page.as_uri(), tmp_path)
    assert visit.requests == []
    assert visit.console_errors == []
    rows = TableRows(visit.dom).rows
    assert ["Evaluated Expectations", str(len(suite.expectations))] in [row.cells for row in rows]
    # one row per expectation: its status icon, what it expects, what was observed
    checked = [row for row in rows if row.icons and len(row.cells) == 3]
    assert len(checked) == len(suite.expectations)
    assert all(row.cells[1] for row in checked)


def test_the_dbt_docs_list_the_models_and_their_lineage_with_no_network(offline_home, tmp_path: Path) -> None:
    settings, _ = offline_home
    site = settings.dbt_docs_index
    overview = open_offline(site.as_uri(), tmp_path / "overview")
    assert overview.requests == []
    tables = published(settings.home_dir, "select table_name from duckdb_tables() where schema_name = 'marts'")
    marts = {name for (name,) in tables}
    assert marts >= set(PUBLISHED_MARTS)
    # the model tree is drawn by the page's scripts: the file itself holds no such node
    for mart in marts:
        node = f'data-nav-unique-id="model.pv_warehouse.{mart}"'
        assert node in overview.dom
        assert node not in site.read_text(encoding="utf-8")
    model = open_offline(site.as_uri() + "#!/model/model.pv_warehouse.fct_pv_cases", tmp_path / "model")
    assert model.requests == []
    lineage = model.dom[model.dom.index('references="parents"') :]
    lineage = lineage[: lineage.index("</reference-list>")]
    assert 'href="#!/model/model.pv_warehouse.' in lineage


def test_the_steward_report_opens_with_no_network(offline_home, tmp_path: Path) -> None:
    settings, _ = offline_home
    visit = open_offline((settings.reports_dir / "steward.html").as_uri(), tmp_path)
    assert visit.requests == []
    assert visit.console_errors == []
    assert 'id="run-status"' in visit.dom


def test_data_docs_rendered_before_are_rendered_again_to_open_offline(offline_home, tmp_path: Path) -> None:
    from pv_warehouse.validate.suites import run_validation

    settings, run_id = offline_home
    home = tmp_path / "home"
    shutil.copytree(settings.home_dir, home, ignore=shutil.ignore_patterns("airflow", "archive", "parquet"))
    copy = Settings(landing_dir=settings.landing_dir, home_dir=home)
    # a page as GX's own templates wrote it, and a site not marked as rendered by the current templates
    (page,) = (copy.data_docs_dir / "validations" / "dim_patients" / run_id).rglob("*.html")
    port = closed_port()
    html = page.read_text(encoding="utf-8")
    page.write_text(html.replace("<head>", f'<head><script src="http://127.0.0.1:{port}/old.js"></script>'), "utf-8")
    (copy.data_docs_dir / "static" / "offline" / "site-version").unlink()
    assert len(scan_reports(copy.data_docs_dir)) == 1

    run_validation(copy, "offline-check", only=["cohort_flow"])
    assert [reference.describe() for reference in scan_reports(copy.reports_dir)] == []
    assert run_id in page.read_text(encoding="utf-8")
    version = copy.data_docs_dir / "static" / "offline" / "site-version"
    assert version.read_text(encoding="utf-8") == SITE_VERSION + "\n"
