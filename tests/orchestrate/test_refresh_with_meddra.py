"""A refresh of the demo extracts with the team's MedDRA release in the landing: the hand-written 27.1 (English
folder, French zip) and 27.0 (English zip) of tests/fixtures/meddra/. The new marts are published, the FAERS
skin query is the release's SOC and injection-site HLT, faers_signals_by_level agrees with a computation from
the release's own files at every level, and the hospital and national figures of the study are unchanged."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import PROJECT_DIR, PUBLISHED_MARTS, published, refresh

sys.path.insert(0, str(PROJECT_DIR / "tests" / "ingest"))
sys.path.insert(0, str(PROJECT_DIR / "tests" / "transform"))
sys.path.insert(0, str(PROJECT_DIR / "tests" / "serve"))
import test_meddra
import test_meddra_coding as coding
from test_analyst import guide_queries


@pytest.fixture(scope="module")
def meddra_run(
    demo_landing: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    root = tmp_path_factory.mktemp("meddra_run")
    landing = root / "landing"
    shutil.copytree(demo_landing, landing)
    test_meddra.write_landing(landing, root / "work")
    home = root / "home"
    return home, refresh(landing, home)


def test_the_release_is_published_in_the_new_marts(meddra_run) -> None:
    home, run = meddra_run
    assert run.returncode == 0, run.stderr[-3000:]
    tables = {name for (name,) in published(home, "select table_name from information_schema.tables")}
    assert tables == set(PUBLISHED_MARTS)
    # the newest version of each language: 27.1 in English and French, never 27.0
    assert published(
        home, "select language, meddra_version, count(*) from marts.dim_meddra_terms group by all order by 1"
    ) == [
        ("English", "27.1", len(coding.asc_rows("llt.asc"))),
        ("French", "27.1", len(coding.asc_rows("llt.asc"))),
    ]


def test_the_faers_skin_query_is_the_release_soc_and_hlt(meddra_run) -> None:
    home, _ = meddra_run
    levels = coding.release_levels()
    study_pts = {
        pt
        for pt, terms in levels.items()
        if ("soc", coding.SKIN) in terms or ("hlt", coding.INJECTION_SITE_REACTIONS) in terms
    }
    anakinra = {caseid for (caseid,) in coding.query(
        home, "select caseid from intermediate.int_faers_suspect_drugs_filtered_to_kept_reports where drug = 'ANAKINRA'"
    )}  # fmt: skip
    skin = {
        caseid
        for caseid, pt_code in published(home, "select caseid, meddra_pt_code from marts.fct_faers_reactions")
        if pt_code in study_pts
    }
    cases = published(home, "select cases from marts.skin_reactions_by_source where source = 'faers'")
    # 8 of the demo's anakinra cases have a term of the release's skin SOC or injection-site HLT (11 by the
    # bundled list and prefix without a release)
    assert cases == [(len(anakinra & skin),)] == [(8,)]


def test_faers_signals_by_level_agree_with_the_release_files_at_every_level(meddra_run) -> None:
    home, _ = meddra_run
    expected = coding.independent_2x2(home, coding.release_levels())
    rows = published(home, "select drug, level, term_code, a, b, c, d from marts.faers_signals_by_level")
    got = {(drug, level, code): (a, b, c, d) for drug, level, code, a, b, c, d in rows}
    assert len(got) == len(rows)
    assert {level for _, level, _ in got} == {"pt", "hlt", "hlgt", "soc", "smq"}
    assert got == expected
    # the analyst guide's query: anakinra against the skin SOC and the HLTs, as computed here
    (by_level_query,) = [sql for sql in guide_queries() if "faers_signals_by_level" in sql]
    rows = published(home, by_level_query)
    names = dict(published(home, "select term_code, term from marts.faers_signals_by_level"))
    assert [row[0] for row in rows] == sorted(row[0] for row in rows)
    assert sorted((level, term, a, b) for level, term, a, b, *_ in rows) == sorted(
        (level, names[code], a, b)
        for (drug, level, code), (a, b, _, _) in expected.items()
        if drug == "ANAKINRA" and level in ("soc", "hlt")
    )
    assert ("soc", "Skin and subcutaneous tissue disorders") in {(level, term) for level, term, *_ in rows}


def test_the_study_figures_of_the_hospital_and_national_sources_are_unchanged(meddra_run) -> None:
    home, _ = meddra_run
    summary = dict(published(home, "select metric, numerator from marts.study_summary"))
    assert summary == {
        "patients_included": 13,
        "patients_with_skin_reaction": 9,
        "patients_withdrawn_without_rechallenge": 4,
        "mean_latency_days": 7.0,
        "patients_with_recall_syndrome": 2,
        "pv_cases": 37,
        "pv_cases_withdrawn": 26,
        # the injection-site HLT of the release finds the same 6 cases as the prefix
        "pv_cases_incl_injection_site_terms": 43,
    }


def test_the_steward_report_names_the_release(meddra_run) -> None:
    home, _ = meddra_run
    html = (home / "reports" / "steward.html").read_text(encoding="utf-8")
    assert "The three sources were coded with the team&#39;s MedDRA release" in html or (
        "The three sources were coded with the team's MedDRA release" in html
    )
    assert "No MedDRA release in the landing" not in html
    assert html.count("27.1") >= 2
