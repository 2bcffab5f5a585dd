"""FAERS drugs counted as active ingredients, and probable duplicate reports across case ids.

The landing holds one quarter, tests/fixtures/faers_drug_names/2016q1 (invented ids 960000NN):
  01-04 ENBREL with prod_ai ETANERCEPT (02 as "Enbrel" / "etanercept")
  05    ENBREL without prod_ai: learned ETANERCEPT (its coded rows, 01-04 and 20-23: 8 of 8 give it)
  06-09 HUMIRA with ADALIMUMAB (06-08) and ADALIMUMAB-ATTO (09): 3 of 4 = 75%, under the 80% share
  10    HUMIRA without prod_ai: unmapped, counted as HUMIRA (as is 17's concomitant HUMIRA)
  11-12 ILARIS with CANAKINUMAB: 2 coded rows, under the 3 rows needed
  13    ILARIS without prod_ai (SS): unmapped
  14    "  kineret " without prod_ai, never coded in the quarter: the seed's override, ANAKINRA
  15    ZESTORETIC, prod_ai HYDROCHLOROTHIAZIDE\\LISINOPRIL: both ingredients counted
  16    LISINOPRIL AND HCTZ, prod_ai "Lisinopril\\ Hydrochlorothiazide": the same two, case and spaces aside
  17    "BLOOD  PRESSURE MEDICATION" without prod_ai: unmapped, spaces collapsed
  20-21 probable duplicates: F, 52 years (21 writes 624 MON), FR, event 2015-12-03, ETANERCEPT, Rash and
        Pruritus (21 in another order and case); 21 received later, so kept
  22    as 20 but reported from DE: no match
  23    as 20 but an event date to the month (201512): a missing value, no match
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from helpers import PROJECT_DIR, dbt
from pv_warehouse.core.settings import Settings
from pv_warehouse.ingest.load import load_landing

QUARTER = PROJECT_DIR / "tests" / "fixtures" / "faers_drug_names" / "2016q1"
MODELS = (
    "+faers_signals",
    "+fct_faers_reports",
    "+dim_faers_drug_names",
    "+faers_probable_duplicates",
    "+steward_faers_drug_coverage",
    "+steward_faers_unmapped_drug_names",
    "+steward_faers_duplicates",
)


def query(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "build" / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def build(home: Path, *args: str) -> None:
    run = dbt(home, "build", "--select", *MODELS, "--exclude", "resource_type:unit_test", *args)
    assert run.returncode == 0, run.stdout[-4000:]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("drug_names")
    shutil.copytree(QUARTER, root / "landing" / "faers" / "2016q1")
    settings = Settings(landing_dir=root / "landing", home_dir=root / "home")
    load_landing(settings, "drug-names-tests")
    build(settings.home_dir)
    return settings.home_dir


def test_each_drug_name_is_counted_as_its_ingredient_by_one_method(built: Path) -> None:
    rows = query(built, "select drugname, ingredient, method, n_rows from marts.dim_faers_drug_names order by all")
    assert rows == [
        ("BLOOD PRESSURE MEDICATION", "BLOOD PRESSURE MEDICATION", "unmapped", 1),
        ("ENBREL", "ETANERCEPT", "learned", 1),
        ("ENBREL", "ETANERCEPT", "prod_ai", 8),
        ("HUMIRA", "ADALIMUMAB", "prod_ai", 3),
        ("HUMIRA", "ADALIMUMAB-ATTO", "prod_ai", 1),
        ("HUMIRA", "HUMIRA", "unmapped", 2),
        ("ILARIS", "CANAKINUMAB", "prod_ai", 2),
        ("ILARIS", "ILARIS", "unmapped", 1),
        ("KINERET", "ANAKINRA", "override", 1),
        ("LISINOPRIL AND HCTZ", "HYDROCHLOROTHIAZIDE", "prod_ai", 1),
        ("LISINOPRIL AND HCTZ", "LISINOPRIL", "prod_ai", 1),
        ("VITAMIN D", "CHOLECALCIFEROL", "prod_ai", 1),
        ("ZESTORETIC", "HYDROCHLOROTHIAZIDE", "prod_ai", 1),
        ("ZESTORETIC", "LISINOPRIL", "prod_ai", 1),
    ]


def test_signals_count_cases_by_ingredient(built: Path) -> None:
    drugs = query(
        built,
        "select drug, list(distinct caseid order by caseid) "
        "from intermediate.int_faers_suspect_drugs_filtered_to_kept_reports group by drug order by drug",
    )
    assert dict(drugs) == {
        "ADALIMUMAB": [96000006, 96000007, 96000008],
        "ADALIMUMAB-ATTO": [96000009],
        "ANAKINRA": [96000014],
        "BLOOD PRESSURE MEDICATION": [96000017],
        "CANAKINUMAB": [96000011, 96000012],
        "ETANERCEPT": [96000001, 96000002, 96000003, 96000004, 96000005, 96000020, 96000021, 96000022, 96000023],
        "HUMIRA": [96000010],
        "HYDROCHLOROTHIAZIDE": [96000015, 96000016],
        "ILARIS": [96000013],
        "LISINOPRIL": [96000015, 96000016],
    }
    # 21 cases less 20, the duplicate of 21: N = 20; ETANERCEPT's 8 cases, 3 with Injection site rash, 3 Rash
    signals = dict(
        ((drug, pt), (a, b, a + b + c + d))
        for drug, pt, a, b, c, d in query(built, "select drug, pt, a, b, c, d from marts.faers_signals")
    )
    assert signals["ETANERCEPT", "Injection site rash"] == (3, 5, 20)
    assert signals["ETANERCEPT", "Rash"] == (3, 5, 20)
    assert signals["ANAKINRA", "Injection site rash"] == (1, 0, 20)
    assert signals["HYDROCHLOROTHIAZIDE", "Dizziness"] == (2, 0, 20)
    assert signals["LISINOPRIL", "Headache"] == (1, 1, 20)
    assert "VITAMIN D" not in {drug for drug, _ in signals}, "a concomitant drug is not a suspect"


def test_probable_duplicates_are_flagged_and_the_most_recent_kept(built: Path) -> None:
    rows = query(
        built,
        "select duplicate_group, caseid, is_kept, n_reports_in_group, age_in_years, suspect_ingredients, "
        "reaction_terms from marts.faers_probable_duplicates order by caseid",
    )
    assert rows == [
        (96000020, 96000020, False, 2, 52.0, "ETANERCEPT", "PRURITUS$RASH"),
        (96000020, 96000021, True, 2, 52.0, "ETANERCEPT", "PRURITUS$RASH"),
    ]
    # flagged, not deleted: both stay in the case table
    assert query(built, "select count(*) from marts.fct_faers_reports where caseid in (96000020, 96000021)") == [(2,)]
    assert query(built, "select * from steward.steward_faers_duplicates") == [(1, 2, 1)]


def test_duplicates_count_in_the_signals_when_the_var_is_false(built: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(built, home)
    build(home, "--vars", "{faers_drop_probable_duplicates: false}")
    signals = {
        (drug, pt): (a, a + b + c + d)
        for drug, pt, a, b, c, d in query(home, "select drug, pt, a, b, c, d from marts.faers_signals")
    }
    assert signals["ETANERCEPT", "Rash"] == (4, 21)
    assert query(home, "select * from steward.steward_faers_duplicates") == [(1, 2, 0)]
    assert query(home, "select count(*) from marts.faers_probable_duplicates") == [(2,)]


def test_the_steward_sees_coverage_per_quarter_and_the_unmapped_names(built: Path) -> None:
    # 21 suspect rows (the concomitant VITAMIN D and HUMIRA aside): 16 by prod_ai (ENBREL 8, HUMIRA 4, ILARIS 2,
    # the two combinations once each: rows, not ingredients), 1 learned, 1 override, 3 unmapped: 18 of 21
    assert query(built, "select * from steward.steward_faers_drug_coverage") == [("2016Q1", 21, 16, 1, 1, 3, 85.7)]
    assert query(built, "select * from steward.steward_faers_unmapped_drug_names order by all") == [
        ("BLOOD PRESSURE MEDICATION", 1, 1),
        ("HUMIRA", 1, 1),
        ("ILARIS", 1, 1),
    ]
