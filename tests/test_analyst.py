"""What analysts do with the published warehouse: read-only SQL, Parquet, rollback and shareable summaries."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from conftest import PROJECT_DIR, PUBLISHED_MARTS
from pv_warehouse.cli import main
from pv_warehouse.config import ENV_KEEP_VERSIONS, Settings
from pv_warehouse.publish import list_versions, publish, rollback

# the demo study's figures: (metric_order, metric, numerator, denominator, value, unit)
DEMO_SUMMARY = [
    (1, "patients_included", 13, None, 13.0, "patients"),
    (2, "patients_with_skin_reaction", 9, 13, 69.2, "percent"),
    (3, "patients_withdrawn_without_rechallenge", 4, 13, 30.8, "percent"),
    (4, "mean_latency_days", 7.0, None, 7.0, "days"),
    (5, "patients_with_recall_syndrome", 2, 13, 15.4, "percent"),
    (6, "pv_cases", 37, None, 37.0, "cases"),
    (7, "pv_cases_withdrawn", 26, 37, 70.3, "percent"),
    (8, "pv_cases_incl_injection_site_terms", 43, None, 43.0, "cases"),
]


def home_with_build(root: Path, version: int) -> Settings:
    """A home whose build database holds the demo summary and a one-row mart marking its version."""
    settings = Settings(landing_dir=root / "landing", home_dir=root / "home")
    settings.build_db.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create schema if not exists staging")
        con.execute("create or replace table staging.private as select 'never published' as secret")
        con.execute(
            "create or replace table marts.study_summary (metric_order integer, metric varchar, numerator double, "
            "denominator bigint, value double, unit varchar)"
        )
        con.executemany("insert into marts.study_summary values (?, ?, ?, ?, ?, ?)", DEMO_SUMMARY)
        con.execute(f"create or replace table marts.build_version as select {version} as version")
    return settings


def published_version(settings: Settings) -> int:
    with duckdb.connect(str(settings.published_db), read_only=True) as con:
        return con.execute("select version from marts.build_version").fetchall()[0][0]


def parquet_version(settings: Settings) -> int:
    path = settings.parquet_dir / "build_version.parquet"
    return duckdb.sql(f"select version from '{path}'").fetchall()[0][0]


@pytest.fixture
def published(tmp_path: Path) -> Settings:
    settings = home_with_build(tmp_path, 1)
    publish(settings, "run-1")
    return settings


# -- sql -------------------------------------------------------------------------------------------


def test_sql_prints_csv_json_and_a_table(published: Settings) -> None:
    home = str(published.home_dir)
    statement = "select metric, numerator from marts.study_summary where metric_order <= 2 order by 1"
    as_csv = CliRunner().invoke(main, ["sql", statement, "--home", home, "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    assert as_csv.output == "metric,numerator\npatients_included,13.0\npatients_with_skin_reaction,9.0\n"
    as_json = CliRunner().invoke(main, ["sql", statement, "--home", home, "--format", "json"])
    assert json.loads(as_json.output) == [
        {"metric": "patients_included", "numerator": 13.0},
        {"metric": "patients_with_skin_reaction", "numerator": 9.0},
    ]
    as_table = CliRunner().invoke(main, ["sql", statement, "--home", home])
    assert "patients_with_skin_reaction" in as_table.output
    assert "┃ metric" in as_table.output


def test_sql_cannot_change_the_warehouse(published: Settings) -> None:
    result = CliRunner().invoke(main, ["sql", "delete from marts.study_summary", "--home", str(published.home_dir)])
    assert result.exit_code == 1
    assert "read-only" in result.output
    assert published_version(published) == 1
    with duckdb.connect(str(published.published_db), read_only=True) as con:
        assert con.execute("select count(*) from marts.study_summary").fetchall() == [(8,)]


def test_the_published_file_and_parquet_hold_the_marts_only(published: Settings) -> None:
    with duckdb.connect(str(published.published_db), read_only=True) as con:
        schemas = {row[0] for row in con.execute("select table_schema from information_schema.tables").fetchall()}
    assert schemas == {"marts"}
    assert sorted(path.name for path in published.parquet_dir.iterdir()) == [
        "build_version.parquet",
        "study_summary.parquet",
    ]
    path = published.parquet_dir / "study_summary.parquet"
    assert duckdb.sql(f"select count(*), sum(numerator) from '{path}'").fetchall() == [(8, 141.0)]


# -- versions and rollback -------------------------------------------------------------------------


def test_each_publish_keeps_the_replaced_file_and_rollback_puts_it_back(published: Settings, tmp_path: Path) -> None:
    home_with_build(tmp_path, 2)
    # the same settings as the pipeline's: one process may not open a file twice with different ones
    reader = duckdb.connect(str(published.published_db), read_only=True, config=published.duckdb_config())
    publish(published, "run-2")
    # a reader that opened version 1 keeps reading version 1 after the swap
    assert reader.execute("select version from marts.build_version").fetchall() == [(1,)]
    reader.close()
    assert published_version(published) == 2
    assert parquet_version(published) == 2
    assert len(list_versions(published)) == 1

    rollback(published)
    assert published_version(published) == 1
    assert parquet_version(published) == 1
    # the rolled-back-from file is kept in turn: rolling back again undoes the rollback
    assert len(list_versions(published)) == 1
    rollback(published)
    assert published_version(published) == 2


def test_only_the_newest_versions_are_kept(published: Settings, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(ENV_KEEP_VERSIONS, "2")
    for version in (2, 3, 4, 5):
        home_with_build(tmp_path, version)
        publish(published, f"run-{version}")
    kept = list_versions(published)
    assert len(kept) == 2
    with duckdb.connect(str(kept[0]), read_only=True) as con:
        assert con.execute("select version from marts.build_version").fetchall() == [(4,)]


def test_rollback_from_the_command_line_lists_and_names_versions(published: Settings, tmp_path: Path) -> None:
    home = str(published.home_dir)
    nothing = CliRunner().invoke(main, ["rollback", "--home", home])
    assert nothing.exit_code == 1
    assert "no earlier version is kept" in nothing.output
    home_with_build(tmp_path, 2)
    publish(published, "run-2")
    listed = CliRunner().invoke(main, ["rollback", "--home", home, "--list"])
    name = listed.output.strip()
    assert name.startswith("analytics-") and name.endswith("-before-run-2.duckdb")
    unknown = CliRunner().invoke(main, ["rollback", "--home", home, "--to", "analytics-nope.duckdb"])
    assert unknown.exit_code == 1
    assert f"kept: {name}" in unknown.output
    done = CliRunner().invoke(main, ["rollback", "--home", home, "--to", name])
    assert done.exit_code == 0, done.output
    assert published_version(published) == 1


# -- export-summary --------------------------------------------------------------------------------


def exported(published: Settings, tmp_path: Path, min_cell: int) -> dict[str, list[str]]:
    out = tmp_path / f"summary-{min_cell}.csv"
    result = CliRunner().invoke(
        main, ["export-summary", "--home", str(published.home_dir), "--min-cell", str(min_cell), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["metric", "numerator", "denominator", "value", "unit", "note"]
    return {row[0]: row[1:] for row in rows[1:]}


def test_min_cell_1_shares_every_figure(published: Settings, tmp_path: Path) -> None:
    rows = exported(published, tmp_path, 1)
    assert rows["patients_with_recall_syndrome"] == ["2", "13", "15.4", "percent", ""]
    assert rows["mean_latency_days"] == ["7", "", "7", "days", ""]


def test_min_cell_5_suppresses_small_counts_and_their_complements(published: Settings, tmp_path: Path) -> None:
    rows = exported(published, tmp_path, 5)
    # 4 and 2 are below 5; 9 of 13 would tell that 4 had no reaction; the mean is over those 9
    assert rows["patients_withdrawn_without_rechallenge"] == ["", "13", "", "percent", "count below 5"]
    assert rows["patients_with_recall_syndrome"] == ["", "13", "", "percent", "count below 5"]
    assert rows["patients_with_skin_reaction"] == ["", "13", "", "percent", "would reveal a count below 5"]
    assert rows["mean_latency_days"][:3] == ["", "", ""]
    # 43 - 37 = 6 injection-site-only cases, not below 5: published
    assert rows["pv_cases_incl_injection_site_terms"] == ["43", "", "43", "cases", ""]
    assert rows["patients_included"] == ["13", "", "13", "patients", ""]
    assert rows["pv_cases_withdrawn"] == ["26", "37", "70.3", "percent", ""]


def test_min_cell_10_also_hides_the_injection_site_difference(published: Settings, tmp_path: Path) -> None:
    rows = exported(published, tmp_path, 10)
    assert rows["patients_with_skin_reaction"][4] == "count below 10"
    assert rows["pv_cases_incl_injection_site_terms"] == ["", "", "", "cases", "would reveal a count below 10"]
    assert rows["pv_cases"] == ["37", "", "37", "cases", ""]


def test_min_cell_above_the_cohort_suppresses_every_hospital_figure(published: Settings, tmp_path: Path) -> None:
    rows = exported(published, tmp_path, 14)
    hospital = [row[1] for row in DEMO_SUMMARY[:5]]
    assert all(rows[metric][0] == "" and rows[metric][2] == "" for metric in hospital)
    assert all(rows[metric][1] == "" for metric in hospital)
    # 37 - 26 = 11 cases not withdrawn, below 14; 43 - 37 = 6 injection-site-only cases
    assert rows["pv_cases"] == ["37", "", "37", "cases", ""]
    assert rows["pv_cases_withdrawn"] == ["", "37", "", "percent", "would reveal a count below 14"]
    assert rows["pv_cases_incl_injection_site_terms"][4] == "would reveal a count below 14"


# -- the analyst guide's queries -------------------------------------------------------------------


def guide_queries() -> list[str]:
    text = (PROJECT_DIR / "docs" / "analyst-guide.md").read_text(encoding="utf-8")
    return re.findall(r"```sql\n(.*?)```", text, flags=re.DOTALL)


def test_the_guides_queries_rebuild_the_abstracts_results(demo_run) -> None:
    _, home, run = demo_run
    assert run.returncode == 0, run.stderr[-3000:]
    queries = guide_queries()
    assert len(queries) == 4
    with duckdb.connect(str(home / "analytics.duckdb"), read_only=True) as con:
        results = [con.execute(sql).fetchall() for sql in queries]
    assert results == [
        [(13, 9, 69.2, 7.0)],
        [(4, 2)],
        [(37, 26, 70.3, 43)],
        # the demo's synthetic FAERS quarters: anakinra's injection site reactions stand out
        [("Injection site reaction", 5, 89.5, 26.9, 1.64)],
    ]


# -- the dbt docs site ---------------------------------------------------------------------------------


def embedded_json(page: str, name: str) -> dict:
    """The artifact (`manifest` or `catalog`) the static docs page embeds as `name:{...}`."""
    return json.JSONDecoder().raw_decode(page, page.index(f'{name}:{{"metadata": ') + len(name) + 1)[0]


def test_the_dbt_docs_site_documents_every_mart_with_its_columns_and_lineage(demo_run) -> None:
    _, home, run = demo_run
    site = home / "reports" / "dbt_docs" / "index.html"
    assert f"Model docs:          {site}" in run.stdout
    page = site.read_text(encoding="utf-8")
    manifest = embedded_json(page, "manifest")
    courses = manifest["nodes"]["model.pv_warehouse.fct_treatment_courses"]
    assert courses["columns"]["exclusion_reason"]["description"] == (
        "The first inclusion rule the course fails (outside_study_window, short_course); NULL when included."
    )
    assert manifest["parent_map"]["model.pv_warehouse.fct_treatment_courses"] == [
        "model.pv_warehouse.int_patients_summarised",
        "model.pv_warehouse.int_treatment_courses_mapped",
    ]
    marts = {node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "model"}
    assert set(PUBLISHED_MARTS) <= marts
    catalog = embedded_json(page, "catalog")
    columns = catalog["nodes"]["model.pv_warehouse.study_summary"]["columns"]
    assert columns["value"]["type"] == "DOUBLE"
