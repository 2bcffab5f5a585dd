"""Reports that open from disk on a machine with no network: nothing loads from outside the home.

The steward report inlines its charts and styles. The Great Expectations Data Docs are rendered through the
views of `data_docs_views` (templates in `templates/data_docs/`): their pages load jQuery and Bootstrap from
`<site>/static/offline/`, copied there from the installed XStatic packages, draw the run list as a plain
HTML table instead of with bootstrap-table, show icons as characters instead of Font Awesome, and show the
logo GX copies into the site instead of fetching one with the data context id in its address. The dbt docs
site is dbt's single static page, with its usage tracker kept off.

`external_references` tells what a page would fetch from outside; the tests scan every report with it.
"""

from __future__ import annotations

import importlib
import re
import shutil
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

ASSETS_DIR = Path("static") / "offline"
# bump when the Data Docs templates change: pages of earlier runs are then rendered again, once
SITE_VERSION = "1"
SITE_VERSION_FILE = "site-version"
# file under static/offline/: (XStatic package, file in that package's data folder)
VENDORED_ASSETS = {
    "jquery.min.js": ("jquery", "jquery.min.js"),
    "bootstrap.min.css": ("bootstrap", "css/bootstrap.min.css"),
    "bootstrap.bundle.min.js": ("bootstrap", "js/bootstrap.bundle.min.js"),
}
# an address that leaves the machine: a scheme with a host, or one starting with // (same scheme)
EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
LOCAL_SCHEMES = ("file:",)
CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""", re.IGNORECASE | re.DOTALL)
DBT_USAGE_STATS = re.compile(r'"send_anonymous_usage_stats":\s*true')
# attributes through which a page fetches something, by tag
FETCHING_ATTRIBUTES = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "image": ("href", "xlink:href"),
    "source": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "audio": ("src",),
    "video": ("src", "poster"),
    "track": ("src",),
    "input": ("src",),
    "use": ("href", "xlink:href"),
}


# -- Data Docs -----------------------------------------------------------------------------------


def install_data_docs_assets(site_dir: Path) -> bool:
    """Copy the scripts and stylesheet the Data Docs pages load into `<site>/static/offline/`.

    Returns True when the site holds pages rendered by earlier templates (pages that may load from the
    network), which must then be rendered again; `mark_site_current` records that they were.
    """
    target_dir = site_dir / ASSETS_DIR
    target_dir.mkdir(parents=True, exist_ok=True)
    for name, (package, relative) in VENDORED_ASSETS.items():
        source = Path(importlib.import_module(f"xstatic.pkg.{package}").BASE_DIR) / relative
        target = target_dir / name
        if not target.is_file() or target.stat().st_size != source.stat().st_size:
            staged = target.with_name(target.name + ".new")
            shutil.copyfile(source, staged)
            staged.replace(target)
    version = target_dir / SITE_VERSION_FILE
    current = version.is_file() and version.read_text(encoding="utf-8").strip() == SITE_VERSION
    return not current and (site_dir / "index.html").is_file()


def mark_site_current(site_dir: Path) -> None:
    """Record that every page of the site was rendered by the current templates."""
    (site_dir / ASSETS_DIR / SITE_VERSION_FILE).write_text(SITE_VERSION + "\n", encoding="utf-8")


def without_external_urls(css: str) -> str:
    """The stylesheet with every `url()` and `@import` leaving the machine taken out."""

    def replace(match: re.Match[str]) -> str:
        url = match.group(2) if match.group(2) is not None else match.group(4)
        if not is_external(url):
            return match.group(0)
        return "none" if match.group(0).lower().startswith("url") else "@import ''"

    return CSS_URL.sub(replace, css)


def without_dark_mode(css: str) -> str:
    """The stylesheet without its `@media (prefers-color-scheme: dark)` blocks.

    GX's dark overrides go with a dark Bootstrap theme loaded from the network; without that theme they
    paint tables dark on a light page.
    """
    marker = re.compile(r"@media\s*\(\s*prefers-color-scheme\s*:\s*dark\s*\)\s*\{", re.IGNORECASE)
    while match := marker.search(css):
        depth, end = 1, match.end()
        while depth and end < len(css):
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            end += 1
        css = css[: match.start()] + css[end:]
    return css


# -- dbt docs ------------------------------------------------------------------------------------


def dbt_docs_offline(html: str) -> str:
    """dbt's static docs page with its usage tracker off.

    The page loads a tracking script from outside when the manifest it embeds says usage statistics are
    sent; the deployments turn them off, and this keeps them off whatever the environment said.
    """
    return DBT_USAGE_STATS.sub('"send_anonymous_usage_stats": false', html)


# -- what a page fetches -------------------------------------------------------------------------


def is_external(url: str) -> bool:
    """Whether fetching `url` from a page opened from disk would leave the machine."""
    return bool(EXTERNAL.match(url)) and not url.strip().lower().startswith(LOCAL_SCHEMES)


@dataclass(frozen=True)
class ExternalReference:
    """Something a report would fetch from outside the machine."""

    page: Path
    where: str
    url: str

    def describe(self) -> str:
        return f"{self.page}: {self.where} loads {self.url}"


class _Fetches(HTMLParser):
    """Every address an HTML page fetches through a tag, a style block or a style attribute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fetched: list[tuple[str, str]] = []
        self.stylesheets: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name in FETCHING_ATTRIBUTES.get(tag, ()):
            for url in _addresses(name, values.get(name, "")):
                self.fetched.append((f"<{tag} {name}>", url))
        if tag == "link" and "stylesheet" in values.get("rel", "").lower().split():
            self.stylesheets.append(values.get("href", ""))
        if values.get("style"):
            self.fetched.extend((f"<{tag} style>", url) for url in css_addresses(values["style"]))
        if tag == "style":
            self._in_style = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.fetched.extend(("<style>", url) for url in css_addresses(data))


def _addresses(attribute: str, value: str) -> list[str]:
    """The addresses of one attribute: a `srcset` lists several, each followed by its size."""
    if attribute != "srcset":
        return [value] if value.strip() else []
    return [part.split()[0] for part in value.split(",") if part.split()]


def css_addresses(css: str) -> list[str]:
    """Every address a stylesheet fetches through `url()` or `@import`."""
    return [
        match.group(2) if match.group(2) is not None else match.group(4)
        for match in CSS_URL.finditer(css)
        if not (match.group(2) or "").startswith("data:")
    ]


def external_references(page: Path) -> list[ExternalReference]:
    """What the HTML page at `page` would fetch from outside the machine: through its tags, its style
    blocks and attributes, and the local stylesheets it links."""
    parser = _Fetches()
    parser.feed(page.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    found = [ExternalReference(page, where, url) for where, url in parser.fetched if is_external(url)]
    for href in parser.stylesheets:
        if is_external(href) or not href.strip():
            continue
        stylesheet = (page.parent / href.split("?")[0].split("#")[0]).resolve()
        if stylesheet.is_file():
            css = stylesheet.read_text(encoding="utf-8", errors="replace")
            found.extend(
                ExternalReference(page, f"stylesheet {href}", url) for url in css_addresses(css) if is_external(url)
            )
    return found


def scan_reports(reports_dir: Path) -> list[ExternalReference]:
    """What any HTML page under `reports_dir` would fetch from outside the machine."""
    return [reference for page in sorted(reports_dir.rglob("*.html")) for reference in external_references(page)]
