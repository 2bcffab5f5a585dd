"""What analysts do with the published warehouse: read-only SQL, Parquet, rollback and shareable summaries."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from helpers import PROJECT_DIR, PUBLISHED_MARTS
from pv_warehouse.cli import main
from pv_warehouse.core.settings import ENV_KEEP_VERSIONS, Settings
from pv_warehouse.publish.marts import list_versions, publish, rollback

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
    assert result.output.startswith("Error: A DELETE statement would change the warehouse: `sql` opens the ")
    assert "read-only" in result.output
    for statement in ("create table marts.x as select 1", "create temp table x as select 1", "drop table marts.x"):
        assert "would change the warehouse" in run_sql(published, statement).output
    assert published_version(published) == 1
    with duckdb.connect(str(published.published_db), read_only=True) as con:
        assert con.execute("select count(*) from marts.study_summary").fetchall() == [(8,)]


def run_sql(published: Settings, statement: str, *options: str):
    return CliRunner().invoke(main, ["sql", statement, "--home", str(published.home_dir), *options])


def test_sql_csv_writes_formulas_as_text_and_numbers_as_numbers(published: Settings) -> None:
    statement = "select '=HYPERLINK(\"http://x\",\"y\")' as link, '@SUM(A1)' as at, -3 as n, '-12.5' as s"
    result = run_sql(published, statement, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert list(csv.reader(result.output.splitlines())) == [
        ["link", "at", "n", "s"],
        ['\'=HYPERLINK("http://x","y")', "'@SUM(A1)", "-3", "-12.5"],
    ]
    # JSON and tables are not opened by spreadsheets: values as they are
    as_json = run_sql(published, statement, "--format", "json")
    assert json.loads(as_json.output)[0]["link"] == '=HYPERLINK("http://x","y")'


def test_sql_refuses_to_write_a_file(published: Settings, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    result = run_sql(published, f"copy (select * from marts.study_summary) to '{target}'")
    assert result.exit_code == 1
    assert "COPY reads or writes files: `sql` only reads the marts." in result.output
    assert "--format csv" in result.output
    assert not target.exists()
    export = run_sql(published, f"export database '{tmp_path / 'dump'}'")
    assert export.exit_code == 1
    assert "EXPORT DATABASE writes files" in export.output
    assert not (tmp_path / "dump").exists()


@pytest.mark.parametrize(
    "reader",
    [
        "select content from read_text('{path}')",
        "select * from read_csv('{path}', header = false)",
        "select * from read_parquet('{path}')",
        "select * from glob('{folder}/*')",
        # a table function inside an otherwise plain query
        "select count(*) from marts.study_summary, (select * from read_text('{path}'))",
    ],
)
def test_sql_refuses_to_read_a_file(published: Settings, tmp_path: Path, reader: str) -> None:
    secret = tmp_path / "secrets" / "pseudonym.key"
    secret.parent.mkdir()
    secret.write_text("do-not-show-this-pseudonym-key\n", encoding="utf-8")
    result = run_sql(published, reader.format(path=secret, folder=secret.parent), "--format", "csv")
    assert result.exit_code == 1
    assert result.output.startswith("Error: Reading files (read_csv, read_text, read_parquet, glob and the like) is ")
    assert "switched off: `sql` reads the published marts only." in result.output
    assert "do-not-show-this-pseudonym-key" not in result.output
    assert "pseudonym.key" not in result.output


def test_sql_refuses_to_attach_a_database(published: Settings, tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    result = run_sql(published, f"attach '{other}' as other")
    assert result.exit_code == 1
    assert result.output == "Error: ATTACH opens another database: `sql` reads the published marts only.\n"
    assert not other.exists()
    build = run_sql(published, f"attach '{published.build_db}' as build (read_only)")
    assert build.exit_code == 1
    assert "never published" not in build.output


@pytest.mark.parametrize("statement", ["install httpfs", "force install httpfs", "load httpfs", "load json"])
def test_sql_refuses_to_add_an_extension(published: Settings, statement: str) -> None:
    result = run_sql(published, statement)
    assert result.exit_code == 1
    assert "INSTALL and LOAD add DuckDB extensions: `sql` runs with the extensions built into DuckDB only." in (
        result.output
    )


@pytest.mark.parametrize(
    "statement",
    ["set enable_external_access = true", "set lock_configuration = false", "reset lock_configuration", "use memory"],
)
def test_sql_refuses_to_change_its_settings(published: Settings, statement: str) -> None:
    result = run_sql(published, statement)
    assert result.exit_code == 1
    assert result.output == (
        "Error: SET, RESET, USE and PRAGMA change the connection's settings, which are locked: `sql` runs every "
        "query with the same sandbox settings.\n"
    )


def test_sql_refuses_a_pragma_that_changes_a_setting(published: Settings, tmp_path: Path) -> None:
    result = run_sql(published, f"pragma profile_output = '{tmp_path / 'profile.json'}'")
    assert result.exit_code == 1
    assert "SET, RESET, USE and PRAGMA change the connection's settings, which are locked" in result.output
    assert "which are locked" in run_sql(published, "pragma enable_profiling").output
    assert not (tmp_path / "profile.json").exists()
    # a pragma that only reads still answers
    listed = run_sql(published, "pragma table_info('marts.study_summary')", "--format", "json")
    assert listed.exit_code == 0, listed.output
    assert [column["name"] for column in json.loads(listed.output)] == [
        "metric_order",
        "metric",
        "numerator",
        "denominator",
        "value",
        "unit",
    ]


def test_the_sandbox_holds_in_duckdb_itself(published: Settings, tmp_path: Path) -> None:
    """The refusals by statement kind are the first fence; DuckDB's locked settings are the second."""
    from pv_warehouse.serve.analyst_sql import SANDBOX_CONFIG

    with duckdb.connect(str(published.published_db), read_only=True, config=SANDBOX_CONFIG) as con:
        for statement in ("set enable_external_access = true", "set lock_configuration = false"):
            with pytest.raises(duckdb.InvalidInputException, match="the configuration has been locked"):
                con.execute(statement)
        with pytest.raises(duckdb.PermissionException, match="disabled by configuration"):
            con.execute(f"copy (select 1) to '{tmp_path / 'out.csv'}'")
        with pytest.raises(duckdb.PermissionException):
            con.execute(f"attach '{tmp_path / 'other.duckdb'}'")
        assert con.execute("select current_setting('enable_external_access')").fetchall() == [(False,)]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["home"]


def test_sql_runs_one_statement_per_call(published: Settings, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    result = run_sql(published, f"select 1; copy (select 1) to '{target}'")
    assert result.exit_code == 1
    assert result.output == (
        "Error: `sql` runs one statement per call, and this text holds 2: run them one at a time.\n"
    )
    assert not target.exists()
    one = run_sql(published, "select count(*) as n from marts.study_summary;", "--format", "csv")
    assert one.output == "n\n8\n"
    empty = run_sql(published, "  -- nothing\n")
    assert empty.exit_code == 1
    assert "The statement is empty" in empty.output


def test_a_syntax_error_is_explained_as_sql_not_as_read_only(published: Settings) -> None:
    result = run_sql(published, "selec metric from marts.study_summary")
    assert result.exit_code == 1
    assert 'Parser Error: syntax error at or near "selec"' in result.output
    assert "The statement does not parse: check the SQL where DuckDB points" in result.output
    assert "read-only" not in result.output
    unknown = run_sql(published, "select * from study_summary")
    assert unknown.exit_code == 1
    assert "Table with name study_summary does not exist" in unknown.output
    assert 'Tables are marts.<table>: `pv-warehouse sql "show all tables"` lists them.' in unknown.output
    assert "read-only" not in unknown.output


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


def test_rollback_list_says_when_no_version_is_kept(published: Settings) -> None:
    listed = CliRunner().invoke(main, ["rollback", "--home", str(published.home_dir), "--list"])
    assert listed.exit_code == 0, listed.output
    assert listed.output == f"No earlier published versions are kept under {published.versions_dir} yet.\n"


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


def test_export_summary_creates_a_missing_folder_and_says_so(published: Settings, tmp_path: Path) -> None:
    out = tmp_path / "to share" / "2016" / "summary.csv"
    result = CliRunner().invoke(
        main, ["export-summary", "--home", str(published.home_dir), "--min-cell", "5", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Created the folder {out.parent} for the summary.",
        f"{out}: 8 metrics, 4 suppressed (minimum cell 5).",
    ]
    assert out.read_text(encoding="utf-8").startswith("metric,numerator,denominator,value,unit,note\n")


def test_export_summary_into_a_file_posing_as_a_folder_fails_with_a_sentence(
    published: Settings, tmp_path: Path
) -> None:
    (tmp_path / "notes").write_text("a file, not a folder", encoding="utf-8")
    out = tmp_path / "notes" / "summary.csv"
    result = CliRunner().invoke(
        main, ["export-summary", "--home", str(published.home_dir), "--min-cell", "5", "--out", str(out)]
    )
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {out}: the summary could not be written (")
    assert result.output.endswith("Choose an --out in a folder you can write to.\n")
    assert "Traceback" not in result.output


def test_the_summary_csv_writes_formula_like_text_as_text(tmp_path: Path) -> None:
    from pv_warehouse.serve.analyst_sql import SummaryLine, write_summary_csv

    out = tmp_path / "summary.csv"
    write_summary_csv([SummaryLine("=cmd|' /C calc'!A0", -2.5, 4, -62.5, "@unit", "+note")], out)
    with out.open(encoding="utf-8", newline="") as handle:
        assert list(csv.reader(handle))[1] == ["'=cmd|' /C calc'!A0", "-2.5", "4", "-62.5", "'@unit", "'+note"]


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
    assert len(queries) == 5
    with duckdb.connect(str(home / "analytics.duckdb"), read_only=True) as con:
        results = [con.execute(sql).fetchall() for sql in queries[:4]]
    assert results == [
        [(13, 9, 69.2, 7.0)],
        [(4, 2)],
        [(37, 26, 70.3, 43)],
        # the demo's synthetic FAERS quarters: anakinra's injection site reactions stand out
        [("Injection site reaction", 5, 89.5, 26.9, 1.64)],
    ]
    # the fifth, by MedDRA level, needs a release in the landing: test_refresh_with_meddra runs it
    assert "faers_signals_by_level" in queries[4]


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
