"""FAERS reactions on the team's MedDRA release: the published `pt` matched to a PT or an LLT, the study's
skin query as the release's SOC and injection-site HLT, and faers_signals_by_level against a computation
written out here from the release's own files.

The landing holds the three FAERS fixture quarters of test_faers (whose terms the mini release partly knows:
Injection site erythema and Rash; Fatigue, Headache and the rest stay unmatched), one more quarter written
here, and the hand-written MedDRA 27.1 in English (folder) and French (zip) of tests/fixtures/meddra/.

The 2015q3 quarter (cases 90000101-90000106):
  101 ANAKINRA     Rash, Pruritus              two PTs of the skin SOC: once for the SOC
  102 ANAKINRA     "  skin RASH "              an LLT's name, in another case and spacing: PT Rash
  103 ANAKINRA     Rash itchy                  a non-current LLT: PT Rash pruritic
  104 OMEPRAZOLE   Angioedema                  multi-axial: skin (primary) and immune
  105 OMEPRAZOLE   Pyrexia, Injection site reaction
  106 ASPIRIN      Alopecia, Nausea            Alopecia an inactive term of the SMQ; Nausea unknown
"""

from __future__ import annotations

import math
import re
import shutil
import sys
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest
from pytest import approx
from scipy.stats import chi2_contingency, gamma

from helpers import PROJECT_DIR, dbt
from pv_warehouse.core.settings import Settings
from pv_warehouse.ingest.load import load_landing

sys.path.insert(0, str(PROJECT_DIR / "tests" / "ingest"))
import test_faers
import test_meddra

ENGLISH_ASCII = PROJECT_DIR / "tests" / "fixtures" / "meddra" / "MedDRA_27_1_English" / "MedAscii"
DEMO_HEADER = "$".join(test_faers.DEMO_COLUMNS)
DRUG_HEADER = "primaryid$caseid$drug_seq$role_cod$drugname$prod_ai"
REAC_HEADER = "primaryid$caseid$pt$drug_rec_act"
EXTRA_CASES = {
    90000101: ("ANAKINRA", ["Rash", "Pruritus"]),
    90000102: ("ANAKINRA", ["  skin RASH "]),
    90000103: ("ANAKINRA", ["Rash itchy"]),
    90000104: ("OMEPRAZOLE", ["Angioedema"]),
    90000105: ("OMEPRAZOLE", ["Pyrexia", "Injection site reaction"]),
    90000106: ("ASPIRIN", ["Alopecia", "Nausea"]),
}
SKIN, GENERAL, IMMUNE = 10040785, 10018065, 90000003
RASH, RASH_PRURITIC, ANGIOEDEMA = 90030002, 90030003, 90030007
INJECTION_SITE_REACTIONS = 90020003
SMQ = 90050001


def write_extra_quarter(folder: Path) -> None:
    """2015q3 as an extracted ascii/ folder, LF, no trailing `$`."""
    ascii_dir = folder / "ascii"
    ascii_dir.mkdir(parents=True)
    demo, drug, reac = [DEMO_HEADER], [DRUG_HEADER], [REAC_HEADER]
    for caseid, (ingredient, terms) in EXTRA_CASES.items():
        primaryid = f"{caseid}1"
        fields = {column: "" for column in test_faers.DEMO_COLUMNS}
        fields.update(
            primaryid=primaryid, caseid=str(caseid), caseversion="1", i_f_code="I", fda_dt="20150801", sex="F"
        )
        demo.append("$".join(fields[column] for column in test_faers.DEMO_COLUMNS))
        drug.append(f"{primaryid}${caseid}$1$PS${ingredient}${ingredient}")
        reac += [f"{primaryid}${caseid}${term}$" for term in terms]
    for name, lines in (("DEMO15Q3.txt", demo), ("DRUG15Q3.txt", drug), ("REAC15Q3.txt", reac)):
        (ascii_dir / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def query(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "build" / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("meddra_coding")
    landing = test_faers.write_landing(root / "landing")
    write_extra_quarter(landing / "faers" / "2015q3")
    test_meddra.write_landing(landing, root / "work")
    settings = Settings(landing_dir=landing, home_dir=root / "home")
    load_landing(settings, "meddra-coding")
    build = dbt(
        settings.home_dir,
        "build",
        "--select",
        "+faers_signals_by_level +fct_faers_reactions +skin_reactions_by_source +faers_signals",
        "--exclude",
        "test_type:unit",
    )
    assert build.returncode == 0, build.stdout[-4000:]
    return settings.home_dir


# -- the release's own files, read here without the warehouse -------------------------------------------


def asc_rows(name: str) -> list[list[str]]:
    return [line.split("$") for line in (ENGLISH_ASCII / name).read_text(encoding="utf-8").splitlines()]


def release_levels(all_paths: bool = False) -> dict[int, set[tuple[str, int]]]:
    """PT code -> {(level, term code)} from mdhier.asc and the SMQ files (broad scope, sub-SMQs expanded)."""
    levels: dict[int, set[tuple[str, int]]] = defaultdict(set)
    for row in asc_rows("mdhier.asc"):
        pt, hlt, hlgt, soc, primary = int(row[0]), int(row[1]), int(row[2]), int(row[3]), row[11]
        if primary == "Y" or all_paths:
            levels[pt] |= {("pt", pt), ("hlt", hlt), ("hlgt", hlgt), ("soc", soc)}
    llt_to_pt = {int(row[0]): int(row[2]) for row in asc_rows("llt.asc")}
    content = defaultdict(list)
    for row in asc_rows("smq_content.asc"):
        if row[6] == "A":
            content[int(row[0])].append((int(row[1]), int(row[2])))

    def pts_of(smq: int) -> set[int]:
        found = set()
        for term, level in content[smq]:
            found |= pts_of(term) if level == 0 else {llt_to_pt[term]}
        return found

    active = {int(row[0]) for row in asc_rows("smq_list.asc") if row[7] == "A"}
    for smq in active:
        for pt in pts_of(smq):
            levels[pt].add(("smq", smq))
    return levels


def independent_2x2(home: Path, levels: dict[int, set[tuple[str, int]]]) -> dict[tuple[str, str, int], tuple]:
    """(drug, level, term code) -> (a, b, c, d) over the cases with a suspect drug and a reaction term."""
    suspects = defaultdict(set)
    for caseid, drug in query(home, "select caseid, drug from intermediate.int_faers_suspect_drugs_counted_in_signals"):
        suspects[caseid].add(drug)
    terms = defaultdict(set)
    for caseid, pt_code in query(home, "select caseid, meddra_pt_code from marts.fct_faers_reactions"):
        terms[caseid] |= levels.get(pt_code, set()) if pt_code is not None else set()
    universe = set(suspects) & {caseid for (caseid,) in query(home, "select caseid from marts.fct_faers_reactions")}
    n = len(universe)
    counts = {}
    for drug in {drug for caseid in universe for drug in suspects[caseid]}:
        with_drug = {caseid for caseid in universe if drug in suspects[caseid]}
        for level, code in {term for caseid in with_drug for term in terms[caseid]}:
            with_term = {caseid for caseid in universe if (level, code) in terms[caseid]}
            a = len(with_drug & with_term)
            counts[(drug, level, code)] = (a, len(with_drug) - a, len(with_term) - a, n - len(with_drug | with_term))
    return counts


# -- tests ------------------------------------------------------------------------------------------------


def test_each_faers_term_is_matched_to_a_pt_or_an_llt_or_kept_unmatched(home: Path) -> None:
    rows = query(
        home,
        "select caseid, pt, meddra_pt_code, meddra_pt_name, meddra_soc_name, meddra_match "
        "from marts.fct_faers_reactions where caseid > 90000100 order by caseid, pt",
    )
    assert rows == [
        (90000101, "Pruritus", 90030004, "Pruritus", "Skin and subcutaneous tissue disorders", "pt"),
        (90000101, "Rash", RASH, "Rash", "Skin and subcutaneous tissue disorders", "pt"),
        # the published term, trimmed; matched in another case to the LLT "Skin rash"
        (90000102, "skin RASH", RASH, "Rash", "Skin and subcutaneous tissue disorders", "llt"),
        (90000103, "Rash itchy", RASH_PRURITIC, "Rash pruritic", "Skin and subcutaneous tissue disorders", "llt"),
        (90000104, "Angioedema", ANGIOEDEMA, "Angioedema", "Skin and subcutaneous tissue disorders", "pt"),
        (90000105, "Injection site reaction", 90030006, "Injection site reaction",
         "General disorders and administration site conditions", "pt"),
        (90000105, "Pyrexia", 90030009, "Pyrexia", "General disorders and administration site conditions", "pt"),
        (90000106, "Alopecia", 90030008, "Alopecia", "Skin and subcutaneous tissue disorders", "pt"),
        (90000106, "Nausea", None, None, None, "unmatched"),
    ]  # fmt: skip
    # the fixture quarters' terms: two known to the release, the others kept unmatched
    assert query(
        home,
        "select meddra_match, count(distinct pt) from marts.fct_faers_reactions where caseid < 90000100 group by 1 "
        "order by 1",
    ) == [("pt", 2), ("unmatched", 6)]


def test_the_faers_skin_query_is_the_release_soc_and_injection_site_hlt(home: Path) -> None:
    levels = release_levels()
    study_pts = {
        pt for pt, terms in levels.items() if ("soc", SKIN) in terms or ("hlt", INJECTION_SITE_REACTIONS) in terms
    }
    anakinra_cases = {
        caseid
        for (caseid,) in query(
            home,
            "select caseid from intermediate.int_faers_suspect_drugs_filtered_to_kept_reports where drug = 'ANAKINRA'",
        )
    }
    skin_cases = {
        caseid
        for caseid, pt_code in query(home, "select caseid, meddra_pt_code from marts.fct_faers_reactions")
        if pt_code in study_pts and caseid in anakinra_cases
    }
    # 01-04 by Injection site erythema, 101-103 by Rash, Pruritus, Rash pruritic; 05 has Headache only
    assert sorted(skin_cases) == [90000001, 90000002, 90000003, 90000004, 90000101, 90000102, 90000103]
    assert query(home, "select cases from marts.skin_reactions_by_source where source = 'faers'") == [(7,)]


def test_signals_by_level_agree_with_an_independent_computation(home: Path) -> None:
    expected = independent_2x2(home, release_levels())
    rows = query(home, "select drug, level, term_code, a, b, c, d from marts.faers_signals_by_level")
    assert {(drug, level, code): (a, b, c, d) for drug, level, code, a, b, c, d in rows} == expected
    assert {level for _, level, _ in expected} == {"pt", "hlt", "hlgt", "soc", "smq"}
    # ANAKINRA's skin cases: 04 (Rash), 101 (Rash and Pruritus, counted once), 102 and 103; 01-03 and 05 not
    assert query(
        home,
        "select a, b from marts.faers_signals_by_level "
        f"where drug = 'ANAKINRA' and level = 'soc' and term_code = {SKIN}",
    ) == [(4, 4)]


def test_every_statistic_by_level_matches_scipy(home: Path) -> None:
    rows = query(
        home,
        "select a, b, c, d, ror, ror_lower, prr, chi2, ic, ic025, is_ror_signal, is_prr_signal, is_ic_signal "
        "from marts.faers_signals_by_level where least(a, b, c, d) > 0",
    )
    assert len(rows) >= 5
    for a, b, c, d, ror, ror_lower, prr, chi2, ic, ic025, is_ror, is_prr, is_ic in rows:
        n = a + b + c + d
        expected_count = (a + b) * (a + c) / n
        assert ror == approx(a * d / (b * c))
        assert ror_lower == approx(
            math.exp(math.log(a * d / (b * c)) - 1.96 * math.sqrt(1 / a + 1 / b + 1 / c + 1 / d))
        )
        assert prr == approx((a / (a + b)) / (c / (c + d)))
        assert chi2 == approx(chi2_contingency([[a, b], [c, d]], correction=True)[0])
        assert ic == approx(math.log2((a + 0.5) / (expected_count + 0.5)))
        assert ic025 == approx(math.log2(gamma.ppf(0.025, a + 0.5, scale=1 / (expected_count + 0.5))), rel=1e-6)
        assert is_ror == (ror_lower > 1 and a >= 3)
        assert is_prr == (prr >= 2 and chi2 >= 4 and a >= 3)
        assert is_ic == (ic025 > 0)


def test_a_multi_axial_pt_counts_under_every_soc_with_meddra_soc_paths_all(home: Path, tmp_path: Path) -> None:
    primary = query(
        home, "select term_code from marts.faers_signals_by_level where drug = 'OMEPRAZOLE' and level = 'soc'"
    )
    assert sorted(primary) == [(GENERAL,), (SKIN,)]
    copy = tmp_path / "home"
    shutil.copytree(home, copy, ignore=shutil.ignore_patterns("target"))
    build = dbt(
        copy,
        "build",
        "--select",
        "int_meddra_pt_levels int_faers_drug_term_pairs_counted_by_level faers_signals_by_level",
        "--exclude",
        "test_type:unit",
        "--vars",
        "{meddra_soc_paths: all}",
    )
    assert build.returncode == 0, build.stdout[-4000:]
    expected = independent_2x2(copy, release_levels(all_paths=True))
    rows = query(copy, "select drug, level, term_code, a, b, c, d from marts.faers_signals_by_level")
    assert {(drug, level, code): (a, b, c, d) for drug, level, code, a, b, c, d in rows} == expected
    assert sorted(
        query(copy, "select term_code from marts.faers_signals_by_level where drug = 'OMEPRAZOLE' and level = 'soc'")
    ) == [(GENERAL,), (SKIN,), (IMMUNE,)]


def test_an_unknown_soc_paths_value_is_refused_by_name(home: Path, tmp_path: Path) -> None:
    run = dbt(home, "compile", "--select", "int_meddra_pt_levels", "--vars", "{meddra_soc_paths: some}")
    assert run.returncode != 0
    assert "meddra_soc_paths is 'some': set it to primary or all" in run.stdout


def test_signals_by_pt_name_are_unchanged_beside_the_release(home: Path) -> None:
    """faers_signals still counts by the published term: the 20 fixture cases and the 6 of 2015q3."""
    assert query(home, "select distinct a + b + c + d from marts.faers_signals") == [(26,)]
    assert query(home, "select a, b, c, d from marts.faers_signals where drug = 'ANAKINRA' and pt = 'Rash'") == [
        (2, 6, 3, 15)
    ]


def test_terminology_names_are_published_and_person_names_are_not() -> None:
    sys.path.insert(0, str(PROJECT_DIR / "expectations"))
    from marts_columns import IDENTIFIER_NAME_PATTERNS

    def flagged(column: str) -> bool:
        return any(re.search(pattern, column) for pattern in IDENTIFIER_NAME_PATTERNS)

    for column in ("llt_name", "pt_name", "hlt_name", "hlgt_name", "soc_name", "smq_name", "via_smq_name"):
        assert not flagged(column), column
    for column in ("meddra_pt_name", "meddra_soc_name", "term_name"):
        assert not flagged(column), column
    for column in ("name", "last_name", "patient_name", "first_name", "pt_name_of_patient", "nom"):
        assert flagged(column), column
