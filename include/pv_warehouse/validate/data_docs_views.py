"""The Great Expectations views that render the Data Docs from the project's templates, so the pages load
nothing from outside the home (see `offline_reports`).

GX's views read their templates through one Jinja loader; these views put `templates/data_docs/` in front
of it, so a template named there (the page skeleton, the navigation bar, the script imports, the
bootstrap-table run list, charts, the footer) replaces GX's, and every other one (sections, content
blocks, the sidebar) stays GX's own. GX's stylesheet is served without its dark-mode block, which goes
with a theme fetched from the network and fetches a logo itself.

GX instantiates these classes by name from the site configuration `validate` writes; nothing else imports
this module, which is why it may import GX at the top.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from great_expectations.render.view import (  # noqa: TID253 only GX imports this module, when it renders
    DefaultJinjaIndexPageView,
    DefaultJinjaPageView,
)
from jinja2 import BaseLoader, Environment, FileSystemLoader, TemplateNotFound

from pv_warehouse.core.offline_html import without_dark_mode, without_external_urls

TEMPLATES_DIR = Path(__file__).parent / "templates" / "data_docs"


class OfflineLoader(BaseLoader):
    """The project's Data Docs templates first, then GX's; GX's stylesheets without what they fetch."""

    def __init__(self, gx_loader: BaseLoader) -> None:
        self.own = FileSystemLoader(TEMPLATES_DIR)
        self.gx_loader = gx_loader

    def get_source(self, environment: Environment, template: str) -> tuple[str, str | None, Any]:
        try:
            return self.own.get_source(environment, template)
        except TemplateNotFound:
            source, filename, uptodate = self.gx_loader.get_source(environment, template)
        if template.endswith(".css"):
            source = without_external_urls(without_dark_mode(source))
        return source, filename, uptodate

    def list_templates(self) -> list[str]:
        return sorted(set(self.own.list_templates()) | set(self.gx_loader.list_templates()))


def _offline_loader(env: Environment) -> OfflineLoader:
    """The project's templates in front of the loader GX's view set on its Jinja environment."""
    if env.loader is None:
        raise TypeError("a GX Jinja view came without a template loader: its templates cannot be read")
    return OfflineLoader(env.loader)


class OfflinePageView(DefaultJinjaPageView):
    """An expectation suite's page and a validation result's page."""

    def __init__(self, custom_styles_directory: str | None = None, custom_views_directory: str | None = None) -> None:
        super().__init__(custom_styles_directory, custom_views_directory)
        self.env.loader = _offline_loader(self.env)


class OfflineIndexPageView(DefaultJinjaIndexPageView):
    """The site's index: the run list and the list of suites."""

    def __init__(self, custom_styles_directory: str | None = None, custom_views_directory: str | None = None) -> None:
        super().__init__(custom_styles_directory, custom_views_directory)
        self.env.loader = _offline_loader(self.env)
