"""Great Expectations validation of the marts before they are published.

Suites are code: every `expectations/<name>.py` (not starting with `_`) names the dataset it checks in
`DATASET` ("schema.table" in the build database), may define `QUERY` (SQL on the build database that
reads the dataset, for checks needing a recomputed column), and returns its expectations from
`build_suite(params)`, each carrying `meta={"severity": "critical" | "warning", "rule": "..."}` (made
by `critical(rule)` or `warning(rule)`).

GX 1.x has no DuckDB dialect, so each table is read into pandas through a read-only connection that
is closed before GX runs, and validated as a dataframe. A persistent file data context under the home
folder keeps every run's results, so the Data Docs under `reports/data_docs/` show the history of runs; they
are rendered through the project's views and templates, so they open from disk with no network.
A checkpoint hands the same batch parameters (here: the dataframe) to all its validation definitions,
so each table gets its own checkpoint; all of a run's checkpoints share one run identifier, and the run's
Data Docs pages and their index are rendered once, after its last checkpoint.

Nothing here logs or reports row values: failures are told as counts and percentages of rows.
Great Expectations takes seconds to import, so it is imported only when a validation runs.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pv_warehouse.core import failpoints
from pv_warehouse.core import offline_html as offline_reports
from pv_warehouse.core.build_db import connect_build, quote_identifier
from pv_warehouse.core.settings import Settings
from pv_warehouse.core.study import StudyParameters, load_parameters

if TYPE_CHECKING:
    from collections.abc import Collection
    from types import ModuleType

    import pandas as pd
    from great_expectations.checkpoint import Checkpoint
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.data_context import AbstractDataContext
    from great_expectations.datasource.fluent import PandasDatasource
    from great_expectations.expectations import Expectation
    from great_expectations.expectations.row_conditions import ComparisonCondition as RowCondition

log = logging.getLogger(__name__)

SEVERITIES = ("critical", "warning")
DATASOURCE_NAME = "pv_warehouse_marts"
BATCH_DEFINITION_NAME = "whole_table"
DATA_DOCS_SITE_NAME = "local_site"
# counts and percentages of unexpected rows, never the unexpected values themselves
RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 0}


def critical(rule: str) -> dict[str, str]:
    """Meta of an expectation whose failure stops publication: `rule` says which study rule it enforces."""
    return {"severity": "critical", "rule": rule}


def warning(rule: str) -> dict[str, str]:
    """Meta of an expectation whose failure is shown to the data steward but still publishes."""
    return {"severity": "warning", "rule": rule}


# -- the shapes the suites' rules take (the keys and code lists are dbt tests: docs/validation.md) ---------


def rows_where(column: str, value: object) -> RowCondition:
    """The rows whose `column` equals `value`, for an expectation's `where`."""
    from great_expectations.expectations.row_conditions import Column, ComparisonCondition, Operator

    return ComparisonCondition(column=Column(column), operator=Operator.EQUAL, parameter=value)


def holds(column: str, meta: dict[str, str], *, where: RowCondition | None = None, value: bool = True) -> Expectation:
    """A condition on rows: the boolean `column` (often computed by the suite's `QUERY`) is `value` on every
    row, or on every row of `where`."""
    import great_expectations.expectations as gxe

    return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=[value], row_condition=where, meta=meta)


def one_of(column: str, values: Collection[object], meta: dict[str, str]) -> Expectation:
    """A code list the steward is warned about (a code list that stops publication is a dbt test)."""
    import great_expectations.expectations as gxe

    return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=list(values), meta=meta)


def between(
    column: str,
    meta: dict[str, str],
    *,
    low: float | dt.date | None = None,
    high: float | dt.date | None = None,
    above_low: bool = False,
    where: RowCondition | None = None,
) -> Expectation:
    """Every value of `column` (of the rows of `where`) lies within [low, high], or (low, high] with
    `above_low`; a bound left out is open. NULLs are not checked."""
    import great_expectations.expectations as gxe

    return gxe.ExpectColumnValuesToBeBetween(
        column=column, min_value=low, max_value=high, strict_min=above_low, row_condition=where, meta=meta
    )


def not_above(column: str, limit: str, meta: dict[str, str], *, where: RowCondition | None = None) -> Expectation:
    """On every row where both are known, `column` is at most the `limit` column."""
    import great_expectations.expectations as gxe

    return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=limit,
        column_B=column,
        or_equal=True,
        ignore_row_if="either_value_is_missing",
        row_condition=where,
        meta=meta,
    )


def seed_mapping(params: StudyParameters, column: str, seed: str, *, what: str, label: str) -> list[Expectation]:
    """A column filled from a mapping seed: a value of the seed or `unmapped` (critical), and every label
    mapped (a warning for the steward, who adds the label to the seed)."""
    mapped = params.seed_values(seed, column)
    known = critical(f"The {what} is one of the mapping seed's values, or unmapped.")
    all_mapped = warning(f"Every {label} label is mapped to a {what} (add unmapped labels to the seed).")
    return [one_of(column, [*mapped, "unmapped"], known), one_of(column, mapped, all_mapped)]


@dataclass(frozen=True)
class FailedExpectation:
    """One expectation that did not hold, told in the words of the study rule it enforces."""

    dataset: str
    expectation: str
    column: str | None
    severity: str
    rule: str
    observed: str

    def describe(self) -> str:
        """One line for a data steward: where, which rule, what was seen."""
        where = f"{self.dataset}, column {self.column}" if self.column else self.dataset
        return f"{where}: {self.rule} ({self.observed})"


@dataclass(frozen=True)
class ValidationOutcome:
    """What one validation run found; `success` is False as soon as a critical expectation failed."""

    run_id: str
    success: bool
    critical: list[FailedExpectation]
    warnings: list[FailedExpectation]
    data_docs_index: Path
    evaluated: int

    def save(self, path: Path) -> None:
        """Keep the outcome beside the run's other records, for the steward report."""
        record = {
            "run_id": self.run_id,
            "success": self.success,
            "evaluated": self.evaluated,
            "data_docs_index": str(self.data_docs_index),
            "critical": [asdict(failure) for failure in self.critical],
            "warnings": [asdict(failure) for failure in self.warnings],
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")


@dataclass(frozen=True)
class SuiteDefinition:
    """A suite read from `expectations/<name>.py`: its name, the table it checks and its expectations."""

    name: str
    dataset: str
    expectations: list[Expectation]
    query: str | None = None

    @property
    def sql(self) -> str:
        """What is read into pandas: the suite's query, or the whole table."""
        return self.query or f"select * from {_qualified_name(self.dataset)}"


class ValidationFailed(RuntimeError):
    """A critical expectation failed: the marts must not be published."""

    def __init__(self, outcome: ValidationOutcome) -> None:
        self.outcome = outcome
        lines = [
            f"Validation of run {outcome.run_id} failed: {len(outcome.critical)} critical expectation(s) "
            "did not hold, so the marts are not published.",
            *(f"  - {failure.describe()}" for failure in outcome.critical),
            f"Validation report: {outcome.data_docs_index}",
        ]
        super().__init__("\n".join(lines))


def raise_for_critical(outcome: ValidationOutcome) -> None:
    """Raise `ValidationFailed` when the outcome holds a critical failure."""
    if outcome.critical:
        raise ValidationFailed(outcome)


def run_validation(settings: Settings, run_id: str, only: Collection[str] | None = None) -> ValidationOutcome:
    """Validate every suite of `settings.expectations_dir` (or the suites named in `only`) on the build
    database and update the Data Docs."""
    _import_great_expectations()
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    suites = load_suites(settings.expectations_dir, load_parameters(settings.dbt_project_dir))
    if only is not None:
        unknown = set(only) - {suite.name for suite in suites}
        if unknown:
            raise ValueError(f"no suite named {', '.join(sorted(unknown))} in {settings.expectations_dir}")
        suites = [suite for suite in suites if suite.name in only]
    frames = read_datasets(settings, {suite.name: suite.sql for suite in suites})

    context = _open_context(settings)
    run_identifier = RunIdentifier(run_name=run_id, run_time=dt.datetime.now(dt.UTC))
    failures: list[FailedExpectation] = []
    evaluated = 0
    rendered: list[Any] = []
    try:
        for suite in suites:
            checkpoint = _prepare_checkpoint(context, suite)
            result = checkpoint.run(batch_parameters={"dataframe": frames[suite.name]}, run_id=run_identifier)
            for result_identifier, suite_result in result.run_results.items():
                evaluated += len(suite_result.results)
                failures.extend(_failed_expectations(suite.dataset, suite_result))
                rendered += [result_identifier, ExpectationSuiteIdentifier(name=suite_result.suite_name)]
            failpoints.reach("validate:suite-checked")
    finally:
        # the pages of the suites that ran, and the index once: rendering the index after each suite, as
        # GX's UpdateDataDocsAction does, took half of the validation's time and grew with the history of runs
        if rendered:
            context.build_data_docs(site_names=[DATA_DOCS_SITE_NAME], resource_identifiers=rendered)

    critical = [failure for failure in failures if failure.severity == "critical"]
    warnings = [failure for failure in failures if failure.severity == "warning"]
    log.info(
        "validation of run %s: %d expectations in %d suite(s), %d critical failure(s), %d warning(s)",
        run_id,
        evaluated,
        len(frames),
        len(critical),
        len(warnings),
    )
    return ValidationOutcome(
        run_id=run_id,
        success=not critical,
        critical=critical,
        warnings=warnings,
        data_docs_index=settings.data_docs_dir / "index.html",
        evaluated=evaluated,
    )


# -- suites as code ------------------------------------------------------------------------------


def load_suites(expectations_dir: Path, params: StudyParameters) -> list[SuiteDefinition]:
    """Build the suite of every `expectations/*.py` not starting with `_`, checking each expectation's meta."""
    paths = sorted(path for path in expectations_dir.glob("*.py") if not path.name.startswith("_"))
    if not paths:
        raise FileNotFoundError(f"no expectation suite in {expectations_dir}: nothing would be validated")
    suites = []
    for path in paths:
        module = _load_module(path)
        suite = SuiteDefinition(
            name=path.stem,
            dataset=module.DATASET,
            expectations=list(module.build_suite(params)),
            query=getattr(module, "QUERY", None),
        )
        _check_meta(suite)
        suites.append(suite)
    return suites


def _load_module(path: Path) -> ModuleType:
    """Import a suite module from its file: the expectations folder is not an installed package."""
    spec = importlib.util.spec_from_file_location(f"pv_warehouse_expectations.{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the expectation suite {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in ("DATASET", "build_suite"):
        if not hasattr(module, name):
            raise ImportError(f"the expectation suite {path} defines no {name}")
    return module


def _check_meta(suite: SuiteDefinition) -> None:
    """Every expectation must say how serious its failure is and which study rule it enforces."""
    if not suite.expectations:
        raise ValueError(f"suite {suite.name} holds no expectation")
    for expectation in suite.expectations:
        meta = expectation.meta or {}
        if meta.get("severity") not in SEVERITIES or not str(meta.get("rule") or "").strip():
            raise ValueError(
                f"suite {suite.name}: {expectation.expectation_type} needs meta "
                f'{{"severity": "critical" | "warning", "rule": "..."}}, got {meta!r}'
            )


# -- data ----------------------------------------------------------------------------------------


def read_datasets(settings: Settings, queries: dict[str, str]) -> dict[str, pd.DataFrame]:
    """Run each named query on the build database into pandas, then release the file."""
    if not settings.build_db.exists():
        raise FileNotFoundError(f"no build database at {settings.build_db}: run the transformation first")
    con = connect_build(settings, read_only=True)
    try:
        return {name: comparable_columns(con.sql(query).df()) for name, query in queries.items()}
    finally:
        con.close()


def comparable_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with the column types GX's pandas engine compares in one vectorised step.

    GX compares a column with bounds in one step only when it holds int64, float64 or nanosecond timestamps;
    any other type (DuckDB's INTEGER as int32, a nullable Int32, a DATE as microsecond timestamps) is
    compared by calling Python once per row, which made validation grow with the marts. So integers become
    int64 (float64 when some are NULL, exact below 2**53), and dates and timestamps nanosecond timestamps,
    compared with bounds given by `day_bound`.
    """
    import pandas as pd

    for column, dtype in frame.dtypes.items():
        values = frame[column]
        if pd.api.types.is_bool_dtype(dtype):
            continue
        if pd.api.types.is_integer_dtype(dtype):
            frame[column] = values.astype("float64" if values.hasnans else "int64")
        elif pd.api.types.is_float_dtype(dtype):
            frame[column] = values.astype("float64")
        elif pd.api.types.is_datetime64_dtype(dtype):
            try:
                frame[column] = values.astype("datetime64[ns]")
            except pd.errors.OutOfBoundsDatetime:
                # a date after 2262 (31/12/9999 for "no planned end") has no nanosecond timestamp: the column
                # keeps its own unit, which GX compares row by row, so the expectation still sees the date
                continue
    return frame


def day_bound(day: dt.date) -> dt.datetime:
    """A day as a bound of a date column: the start of that day, as `comparable_columns` reads dates."""
    return dt.datetime.combine(day, dt.time())


def _qualified_name(dataset: str) -> str:
    """`schema.table` quoted for DuckDB."""
    parts = dataset.split(".")
    if len(parts) != 2 or not all(parts):
        raise ValueError(f'DATASET must read "schema.table", got {dataset!r}')
    return ".".join(quote_identifier(part) for part in parts)


# -- Great Expectations --------------------------------------------------------------------------


def _import_great_expectations() -> None:
    """Import GX without usage analytics and without its INFO chatter at import."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations  # noqa: F401


def _open_context(settings: Settings) -> AbstractDataContext:
    """The file data context under the home folder, with its Data Docs site under `reports/data_docs`."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="file", context_root_dir=str(settings.gx_dir))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.variables.save()
    site_config = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(settings.data_docs_dir),
        },
        # the project's views: pages that load nothing from outside the home (see offline_reports)
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "view": _view("OfflineIndexPageView")},
        "site_section_builders": {
            section: {"view": _view("OfflinePageView")} for section in ("expectations", "validations", "profiling")
        },
    }
    # GX's DataDocsSiteConfigTypedDict leaves out keys its SiteBuilder takes (show_how_to_buttons,
    # site_section_builders), so the site's configuration cannot be typed as it
    if DATA_DOCS_SITE_NAME in context.list_data_docs_sites():
        context.update_data_docs_site(DATA_DOCS_SITE_NAME, site_config)  # type: ignore[arg-type]
    else:
        context.add_data_docs_site(DATA_DOCS_SITE_NAME, site_config)  # type: ignore[arg-type]
    if offline_reports.install_data_docs_assets(settings.data_docs_dir):
        # pages of runs rendered before the offline templates (or earlier ones) are rendered again, once
        log.info("rendering the Data Docs of earlier runs again, to open without a network")
        context.build_data_docs(site_names=[DATA_DOCS_SITE_NAME])
    offline_reports.mark_site_current(settings.data_docs_dir)
    return context


def _view(class_name: str) -> dict[str, str]:
    """A Data Docs view of `data_docs_views`, as GX's site configuration names it."""
    return {"module_name": "pv_warehouse.validate.data_docs_views", "class_name": class_name}


def _prepare_checkpoint(context: AbstractDataContext, suite: SuiteDefinition) -> Checkpoint:
    """Add or update the dataframe asset, suite, validation definition and checkpoint of one suite; the
    checkpoint stores its results and leaves the Data Docs to `run_validation`."""
    import great_expectations as gx

    try:
        # the pandas datasource added below on the context's first run
        datasource = cast("PandasDatasource", context.data_sources.get(DATASOURCE_NAME))
    except KeyError:
        datasource = context.data_sources.add_pandas(DATASOURCE_NAME)
    try:
        asset = datasource.get_asset(suite.dataset)
    except LookupError:
        asset = datasource.add_dataframe_asset(suite.dataset)
    try:
        batch_definition = asset.get_batch_definition(BATCH_DEFINITION_NAME)
    except KeyError:
        batch_definition = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION_NAME)

    expectation_suite = context.suites.add_or_update(
        gx.ExpectationSuite(name=suite.name, expectations=suite.expectations)
    )
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite.name, data=batch_definition, suite=expectation_suite)
    )
    return context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=suite.name,
            validation_definitions=[definition],
            # the run's Data Docs are built once, after its last checkpoint (run_validation)
            actions=[],
            result_format=RESULT_FORMAT,
        )
    )


# -- results -------------------------------------------------------------------------------------


def _failed_expectations(dataset: str, suite_result: ExpectationSuiteValidationResult) -> list[FailedExpectation]:
    """The failed expectations of one suite's result, with the severity and rule of their meta."""
    failed = []
    for result in suite_result.results:
        if result.success:
            continue
        config = result.expectation_config
        assert config is not None, "GX sets the expectation's configuration on every result of a suite"
        meta = config.meta or {}
        failed.append(
            FailedExpectation(
                dataset=dataset,
                expectation=config.type,
                column=config.kwargs.get("column"),
                severity=str(meta.get("severity", "critical")),
                rule=str(meta.get("rule", config.type)),
                observed=_observed(result.result or {}, result.exception_info or {}),
            )
        )
    return failed


def _observed(result: dict[str, Any], exception_info: dict[str, Any]) -> str:
    """What was seen, in counts and percentages of rows: never a value of the data."""
    messages = _exception_messages(exception_info)
    if messages:
        if any("does not exist" in message for message in messages):
            return "the column is missing from the table"
        return "could not be evaluated; the error is in the validation report"
    if "unexpected_count" in result:
        checked = result.get("element_count", 0) - result.get("missing_count", 0)
        percent = result.get("unexpected_percent") or 0.0
        return f"{result['unexpected_count']} of {checked} rows checked break the rule ({percent:.1f}%)"
    observed = result.get("observed_value")
    if isinstance(observed, int | float):
        return f"observed value {observed}"
    return "see the validation report"


def _exception_messages(exception_info: dict[str, Any]) -> list[str]:
    """Messages of the exceptions GX caught, whether reported flat or per metric."""
    if "raised_exception" in exception_info:
        infos = [exception_info]
    else:
        infos = [info for info in exception_info.values() if isinstance(info, dict)]
    return [str(info.get("exception_message") or "") for info in infos if info.get("raised_exception")]
