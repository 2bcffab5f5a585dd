"""Acceptance test of the FAERS source on real data: a `refresh` with the four real 2015 excerpts in the landing
publishes marts.fct_faers_reports, marts.faers_signals and the faers row of marts.skin_reactions_by_source with
the values of an independent computation.

The excerpts (shared data/faers/faers_ascii_2015q<N>_example.zip) hold the first 500 lines of DEMO, DRUG, INDI
and REAC of each 2015 quarter, as the FDA published them (2015q4 in `ascii2/`); links between tables are partial
and there is no OUTC, so no report is serious. The expected values are computed here in plain Python
from the zips, following the design (deduplication, field conversions, 2x2 tables, ROR/PRR/chi2/IC and their
NULL rules and flags), without reading or reusing the project's SQL.

Headline figures (from that computation, written as literals so that a drift on either side fails loudly):
1996 DEMO rows (499 per quarter) over 1954 case ids (42 cases published in two quarters), so 1954 kept reports;
a universe of N = 443 cases with a suspect drug and a reaction term; 2216 (drug, pt) pairs, drugs as active
ingredients with each ingredient of a combination counted, of which 29 raise the ROR signal, 30 the PRR (Evans)
signal and 27 the IC signal. The quarters teach 134 drug names their ingredient, but no row without prod_ai
bears one of them, and no two cases are probable duplicates. Anakinra is a suspect in one kept case only
(10011453, 2015Q4, KINERET PS), whose six terms are none of them skin terms: the faers row of
skin_reactions_by_source counts 0 cases.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import math
import re
import shutil
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import pytest
from pytest import approx
from scipy.stats import chi2_contingency, gamma

from helpers import PROJECT_DIR, SHARED_DIR, published, refresh

FAERS_DATA = SHARED_DIR / "data" / "faers"
if not FAERS_DATA.is_dir():
    pytest.skip(
        f"the real FAERS excerpts are not here ({FAERS_DATA} does not exist): nothing to accept",
        allow_module_level=True,
    )

QUARTERS = ("2015q1", "2015q2", "2015q3", "2015q4")
ZIPS = {quarter: FAERS_DATA / f"faers_ascii_{quarter}_example.zip" for quarter in QUARTERS}
TABLES = ("DEMO", "DRUG", "INDI", "REAC")
SKIN_SEED = PROJECT_DIR / "dbt_project" / "seeds" / "faers_skin_terms.csv"
OVERRIDES_SEED = PROJECT_DIR / "dbt_project" / "seeds" / "faers_drug_name_overrides.csv"
STUDY_DRUG = "ANAKINRA"

# headline figures of the independent computation (see the module docstring)
DEMO_ROWS = 1996
ROWS_PER_TABLE_FILE = 499  # each excerpt is a header and 499 data rows
KEPT_REPORTS = 1954
CASES_IN_SEVERAL_QUARTERS = 42
UNIVERSE = 443
PAIRS = 2216
SIGNALS = {"is_ror_signal": 29, "is_prr_signal": 30, "is_ic_signal": 27}
LEARNED_NAMES = 134
LEARNED_ROWS = 0
PROBABLE_DUPLICATE_GROUPS = 0
ANAKINRA_CASES = [10011453]
ANAKINRA_SKIN_CASES = 0

AGE_FACTORS = {"YR": 1.0, "DEC": 10.0, "MON": 1 / 12, "WK": 7 / 365.25, "DY": 1 / 365.25, "HR": 1 / 8766}
REPORT_COLUMNS = (
    "caseid",
    "primaryid",
    "caseversion",
    "quarter",
    "fda_dt",
    "event_dt",
    "event_dt_precision",
    "age_years",
    "sex",
    "reporter_country",
    "is_serious",
    "outcome_codes",
)
SIGNAL_COLUMNS = (
    "drug",
    "pt",
    "a",
    "b",
    "c",
    "d",
    "ror",
    "ror_lower",
    "ror_upper",
    "prr",
    "prr_lower",
    "prr_upper",
    "chi2",
    "ic",
    "ic025",
    "is_ror_signal",
    "is_prr_signal",
    "is_ic_signal",
)
STATISTICS = SIGNAL_COLUMNS[6:15]
FLAGS = SIGNAL_COLUMNS[15:]


# ---------------------------------------------------------------------------------------------------------------
# the independent computation


def read_table(quarter: str, table: str) -> list[dict[str, str | None]]:
    """One table of a quarter's zip as dicts: `$`-delimited, no quoting, empty field = None."""
    yy, q = quarter[2:4], quarter[-1]
    with zipfile.ZipFile(ZIPS[quarter]) as archive:
        (name,) = [
            name
            for name in archive.namelist()
            if re.fullmatch(rf"(?:.*/)?{table}{yy}Q{q}\.txt", name, flags=re.IGNORECASE)
        ]
        text = archive.read(name).decode("utf-8")
    header, *lines = list(csv.reader(io.StringIO(text, newline=""), delimiter="$", quoting=csv.QUOTE_NONE))
    trailing = header[-1] == ""  # a file whose every line, header included, ends with an extra `$`
    if trailing:
        header = header[:-1]
    rows = []
    for fields in lines:
        if trailing:
            assert fields[-1] == "", (quarter, table, fields)
            fields = fields[:-1]
        assert len(fields) == len(header), (quarter, table, fields)
        rows.append({column: (value if value != "" else None) for column, value in zip(header, fields, strict=True)})
    return rows


def yyyymmdd(text: str) -> dt.date:
    return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def event_date(text: str | None) -> tuple[dt.date | None, str | None]:
    """First day of the period and its precision; (None, None) when empty or unparseable."""
    if text is None or not text.isdigit():
        return None, None
    try:
        if len(text) == 8:
            return yyyymmdd(text), "day"
        if len(text) == 6:
            return dt.date(int(text[:4]), int(text[4:6]), 1), "month"
        if len(text) == 4:
            return dt.date(int(text), 1, 1), "year"
    except ValueError:
        pass
    return None, None


def age_in_years(age: str | None, age_cod: str | None) -> float | None:
    if age is None or age_cod not in AGE_FACTORS:
        return None
    try:
        value = float(age)
    except ValueError:
        return None
    return round(value * AGE_FACTORS[age_cod], 2)


def name_key(text: str | None) -> str | None:
    """Upper case, runs of ASCII white space made one space, trimmed; None when nothing is left."""
    return re.sub(r"[ \t\n\f\r]+", " ", text or "").strip(" ").upper() or None


def learned_ingredients(rows: list[dict[str, str | None]]) -> dict[str, str]:
    """drugname -> the prod_ai most often given with it, when at least 3 of its rows give a prod_ai and that
    one is given in at least 80% of them (every DRUG row of the loaded quarters, all roles)."""
    given: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        name, prod_ai = name_key(row["drugname"]), name_key(row["prod_ai"])
        if name and prod_ai:
            given[name][prod_ai] += 1
    learned = {}
    for name, counts in given.items():
        coded = sum(counts.values())
        (prod_ai, n), *_ = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        if coded >= 3 and n >= 0.8 * coded:
            learned[name] = prod_ai
    return learned


def ingredients(row: dict[str, str | None], learned: dict[str, str], overrides: dict[str, str]) -> set[str]:
    """The row's prod_ai, else the learned one, else the seed's override, else its name; a combination's
    ingredients (`\\` between them) each on their own."""
    name = name_key(row["drugname"])
    text = name_key(row["prod_ai"]) or learned.get(name or "") or overrides.get(name or "") or name or ""
    return {part.strip() for part in text.split("\\") if part.strip()}


def two_by_two_statistics(a: int, b: int, c: int, d: int) -> dict[str, float | bool | None]:
    """ROR, PRR (with 95% CIs), Yates chi2, IC and IC025, with the design's NULL rules and flags."""
    n = a + b + c + d
    ror = a * d / (b * c) if b * c else None
    if a and b and c and d:
        half = 1.96 * math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
        ror_lower, ror_upper = math.exp(math.log(ror) - half), math.exp(math.log(ror) + half)
    else:
        ror_lower = ror_upper = None
    if c:
        prr = (a / (a + b)) / (c / (c + d))
        half = 1.96 * math.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))
        prr_lower, prr_upper = math.exp(math.log(prr) - half), math.exp(math.log(prr) + half)
    else:
        prr = prr_lower = prr_upper = None
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    chi2 = n * max(0.0, abs(a * d - b * c) - n / 2) ** 2 / margins if margins else None
    expected = (a + b) * (a + c) / n
    ic = math.log2((a + 0.5) / (expected + 0.5))
    ic025 = math.log2(gamma.ppf(0.025, a + 0.5, scale=1 / (expected + 0.5)))
    return {
        "ror": ror,
        "ror_lower": ror_lower,
        "ror_upper": ror_upper,
        "prr": prr,
        "prr_lower": prr_lower,
        "prr_upper": prr_upper,
        "chi2": chi2,
        "ic": ic,
        "ic025": ic025,
        "is_ror_signal": ror_lower is not None and ror_lower > 1 and a >= 3,
        "is_prr_signal": prr is not None and chi2 is not None and prr >= 2 and chi2 >= 4 and a >= 3,
        "is_ic_signal": ic025 > 0,
    }


@functools.cache
def expected() -> dict:
    """Everything the marts should hold, from the zips alone."""
    tables = {table: {quarter: read_table(quarter, table) for quarter in QUARTERS} for table in TABLES}

    # deduplication across the quarters: highest caseversion, then latest fda_dt, then highest primaryid
    versions: dict[int, list[tuple[tuple, str, dict]]] = defaultdict(list)
    for quarter, rows in tables["DEMO"].items():
        for row in rows:
            key = (int(row["caseversion"]), yyyymmdd(row["fda_dt"]), int(row["primaryid"]))
            versions[int(row["caseid"])].append((key, quarter, row))
    kept = {caseid: max(candidates, key=lambda item: item[0]) for caseid, candidates in versions.items()}

    reports = {}
    for caseid, (_, quarter, row) in kept.items():
        event_dt, precision = event_date(row["event_dt"])
        reports[caseid] = (
            caseid,
            int(row["primaryid"]),
            int(row["caseversion"]),
            quarter.upper(),
            yyyymmdd(row["fda_dt"]),
            event_dt,
            precision,
            age_in_years(row["age"], row["age_cod"]),
            row["sex"],
            row["reporter_country"],
            False,  # no OUTC in the excerpts
            None,
        )
    case_of_primaryid = {report[1]: caseid for caseid, report in reports.items()}

    # suspect drugs as active ingredients and reaction terms of the kept reports, by case
    all_drug_rows = [row for rows in tables["DRUG"].values() for row in rows]
    learned = learned_ingredients(all_drug_rows)
    with OVERRIDES_SEED.open(encoding="utf-8", newline="") as handle:
        overrides = {name_key(row["drug_name"]): name_key(row["ingredient"]) for row in csv.DictReader(handle)}
    drugs: dict[int, set[str]] = defaultdict(set)
    for row in all_drug_rows:
        caseid = case_of_primaryid.get(int(row["primaryid"]))
        found = ingredients(row, learned, overrides)
        if caseid is not None and row["role_cod"] in ("PS", "SS") and found:
            drugs[caseid] |= found
    terms: dict[int, set[str]] = defaultdict(set)
    for rows in tables["REAC"].values():
        for row in rows:
            caseid = case_of_primaryid.get(int(row["primaryid"]))
            pt = (row["pt"] or "").strip(" ")
            if caseid is not None and pt:
                terms[caseid].add(pt)

    # probable duplicates: same sex, whole years of age, reporter country, full event date, suspect
    # ingredients and terms; all but the latest (fda_dt, then primaryid) of a group leave the signals
    groups: dict[tuple, list[tuple[dt.date, int, int]]] = defaultdict(list)
    for caseid, (_, primaryid, _, _, fda_dt, event_dt, precision, age, sex, country, *_) in reports.items():
        suspects, reactions = drugs.get(caseid), terms.get(caseid)
        if sex in ("F", "M") and precision == "day" and age is not None and country and suspects and reactions:
            key = (sex, math.floor(age), country, event_dt, frozenset(suspects), frozenset(map(str.upper, reactions)))
            groups[key].append((fda_dt, primaryid, caseid))
    duplicates = [sorted(group) for group in groups.values() if len(group) > 1]
    dropped = {caseid for group in duplicates for _, _, caseid in group[:-1]}

    universe = sorted((set(drugs) & set(terms)) - dropped)
    n = len(universe)
    with_drug: dict[str, int] = defaultdict(int)
    with_term: dict[str, int] = defaultdict(int)
    with_both: dict[tuple[str, str], int] = defaultdict(int)
    for caseid in universe:
        for drug in drugs[caseid]:
            with_drug[drug] += 1
        for pt in terms[caseid]:
            with_term[pt] += 1
        for drug in drugs[caseid]:
            for pt in terms[caseid]:
                with_both[drug, pt] += 1
    signals = {}
    for (drug, pt), a in with_both.items():
        b = with_drug[drug] - a
        c = with_term[pt] - a
        d = n - a - b - c
        signals[drug, pt] = {"a": a, "b": b, "c": c, "d": d, **two_by_two_statistics(a, b, c, d)}

    with SKIN_SEED.open(encoding="utf-8", newline="") as handle:
        skin_terms = {row["pt"].strip() for row in csv.DictReader(handle)}
    anakinra_cases = sorted(caseid for caseid, names in drugs.items() if STUDY_DRUG in names)
    anakinra_skin_cases = [
        caseid
        for caseid in anakinra_cases
        if any(pt in skin_terms or pt.startswith("Injection site") for pt in terms[caseid])
    ]

    return {
        "demo_rows": sum(len(rows) for rows in tables["DEMO"].values()),
        "rows": {
            (table, quarter): len(rows) for table, by_quarter in tables.items() for quarter, rows in by_quarter.items()
        },
        "cases_in_several_quarters": sum(1 for candidates in versions.values() if len(candidates) > 1),
        "reports": reports,
        "universe": n,
        "signals": signals,
        "anakinra_cases": anakinra_cases,
        "anakinra_skin_cases": anakinra_skin_cases,
        "learned": learned,
        # (drugname, ingredient) of the rows without prod_ai that take a learned ingredient
        "learned_rows": {
            (name_key(row["drugname"]), ingredient)
            for row in all_drug_rows
            if not name_key(row["prod_ai"]) and name_key(row["drugname"]) in learned
            for ingredient in ingredients(row, learned, overrides)
        },
        "duplicates": duplicates,
    }


# ---------------------------------------------------------------------------------------------------------------
# one refresh with the real excerpts


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, demo_landing: Path) -> Path:
    """The demo landing with its FAERS quarters (if any) replaced by the four real zips, refreshed once."""
    root = tmp_path_factory.mktemp("faers-real")
    landing = root / "landing"
    shutil.copytree(demo_landing, landing)
    for folder in landing.iterdir():
        if folder.is_dir() and folder.name.lower() == "faers":
            shutil.rmtree(folder)
    for quarter, zip_path in ZIPS.items():
        (landing / "faers" / quarter).mkdir(parents=True)
        shutil.copyfile(zip_path, landing / "faers" / quarter / zip_path.name)
    home = root / "home"
    run = refresh(landing, home)
    assert run.returncode == 0, f"refresh failed ({run.returncode}):\n{run.stdout[-2000:]}\n{run.stderr[-4000:]}"
    return home


# ---------------------------------------------------------------------------------------------------------------
# the independent computation itself


def test_headline_figures_of_the_independent_computation() -> None:
    facts = expected()
    assert facts["demo_rows"] == DEMO_ROWS
    assert set(facts["rows"].values()) == {ROWS_PER_TABLE_FILE}
    assert facts["cases_in_several_quarters"] == CASES_IN_SEVERAL_QUARTERS
    assert len(facts["reports"]) == KEPT_REPORTS
    assert facts["universe"] == UNIVERSE
    assert len(facts["signals"]) == PAIRS
    assert {flag: sum(row[flag] for row in facts["signals"].values()) for flag in FLAGS} == SIGNALS
    assert facts["anakinra_cases"] == ANAKINRA_CASES
    assert len(facts["anakinra_skin_cases"]) == ANAKINRA_SKIN_CASES
    assert len(facts["learned"]) == LEARNED_NAMES
    assert len(facts["duplicates"]) == PROBABLE_DUPLICATE_GROUPS


def test_independent_chi2_is_scipys_yates_chi2() -> None:
    for (drug, pt), row in expected()["signals"].items():
        if row["chi2"] is not None:
            table = [[row["a"], row["b"]], [row["c"], row["d"]]]
            assert row["chi2"] == approx(chi2_contingency(table, correction=True)[0], rel=1e-9, abs=1e-9), (drug, pt)


# ---------------------------------------------------------------------------------------------------------------
# the published marts against it


def test_raw_kept_every_row(home: Path) -> None:
    """The published file has no raw schema: read the build database the refresh left, when it is there."""
    build = home / "build" / "warehouse.duckdb"
    if not build.exists():
        pytest.skip(f"no build database at {build}: raw row counts cannot be read after the refresh")
    with duckdb.connect(str(build), read_only=True) as con:
        for table in TABLES:
            counts = dict(
                con.execute(f"select _source_file, count(*) from raw.faers_{table.lower()} group by all").fetchall()
            )
            by_quarter = {source.split("/")[1].lower(): count for source, count in counts.items()}
            assert by_quarter == {quarter: ROWS_PER_TABLE_FILE for quarter in QUARTERS}, (table, counts)


def test_fct_faers_reports_equals_the_independent_rows(home: Path) -> None:
    reports = expected()["reports"]
    rows = published(home, f"select {', '.join(REPORT_COLUMNS)} from marts.fct_faers_reports order by caseid")
    assert len(rows) == KEPT_REPORTS == len(reports)
    published_ids = [row[0] for row in rows]
    assert len(set(published_ids)) == len(published_ids), "caseid is not unique in fct_faers_reports"
    missing, extra = sorted(set(reports) - set(published_ids)), sorted(set(published_ids) - set(reports))
    assert not missing and not extra, f"missing caseids {missing[:20]}, unexpected caseids {extra[:20]}"
    differences = []
    for row in rows:
        want = reports[row[0]]
        for column, got, value in zip(REPORT_COLUMNS, row, want, strict=True):
            if value is None or got is None or isinstance(value, bool) or isinstance(got, bool):
                same = got is value
            elif isinstance(value, float):
                same = isinstance(got, float) and got == approx(value, rel=1e-9, abs=1e-12)
            else:
                same = type(got) is type(value) and got == value
            if not same:
                differences.append((row[0], column, got, value))
    assert not differences, f"{len(differences)} differences (caseid, column, published, expected): {differences[:20]}"


def test_faers_signals_equals_the_independent_table(home: Path) -> None:
    signals = expected()["signals"]
    rows = published(home, f"select {', '.join(SIGNAL_COLUMNS)} from marts.faers_signals order by drug, pt")
    table = {(row[0], row[1]): dict(zip(SIGNAL_COLUMNS, row, strict=True)) for row in rows}
    assert len(table) == len(rows), "(drug, pt) is not unique in faers_signals"
    missing, extra = sorted(set(signals) - set(table)), sorted(set(table) - set(signals))
    assert not missing and not extra, f"missing pairs {missing[:20]}, unexpected pairs {extra[:20]}"
    assert len(rows) == PAIRS
    differences = []
    for key, want in signals.items():
        got = table[key]
        for column in ("a", "b", "c", "d", *FLAGS):
            if got[column] != want[column] or type(got[column]) is not type(want[column]):
                differences.append((key, column, got[column], want[column]))
        for column in STATISTICS:
            if want[column] is None or got[column] is None:
                same = want[column] is None and got[column] is None
            else:
                same = got[column] == approx(want[column], rel=1e-9)
            if not same:
                differences.append((key, column, got[column], want[column]))
    assert not differences, f"{len(differences)} differences (pair, column, published, expected): {differences[:20]}"


def test_every_pair_counts_the_independent_universe(home: Path) -> None:
    assert published(home, "select distinct a + b + c + d from marts.faers_signals") == [(UNIVERSE,)]


def test_published_signal_counts(home: Path) -> None:
    columns = ", ".join(f"count(*) filter (where {flag})" for flag in FLAGS)
    assert published(home, f"select {columns} from marts.faers_signals") == [tuple(SIGNALS.values())]


def test_drug_names_learned_are_those_of_the_independent_computation(home: Path) -> None:
    rows = published(home, "select drugname, ingredient from marts.dim_faers_drug_names where method = 'learned'")
    assert len(rows) == len(set(rows)) == len(expected()["learned_rows"]) == LEARNED_ROWS
    assert set(rows) == expected()["learned_rows"]
    assert published(home, "select count(*) from marts.faers_probable_duplicates") == [(PROBABLE_DUPLICATE_GROUPS,)]


def test_skin_reactions_by_source_counts_the_anakinra_cases_with_a_skin_term(home: Path) -> None:
    rows = published(home, "select cases from marts.skin_reactions_by_source where source = 'faers'")
    assert rows == [(ANAKINRA_SKIN_CASES,)] == [(len(expected()["anakinra_skin_cases"]),)]
