"""FAERS quarterly files: hand-made fixtures in every quirk of the published format, loaded as text, then
deduplicated (fct_faers_reports) and counted into 2x2 tables (faers_signals).

The fixtures (tests/fixtures/faers/, invented ids, no real data) are three quarters:
- 2012q4: an extracted ascii/ folder, lower-case names (demo12q4.txt), no trailing `$`, LF; DEMO, DRUG, REAC only.
- 2015q1: zipped here as faers_ascii_2015q1.zip (ascii/ with all seven tables, Deleted/, README.txt); every line
  ends with an extra `$` except in INDI; a `"` inside values; a lit_ref opening with an unbalanced `"`.
- 2015q2: an extracted ascii2/ folder, CRLF, no trailing `$`, DRUG in Windows-1252 (É, é, a right quote),
  deleted/ folder whose list has a header line.

Kept after deduplication: cases 90000001-90000020 (the universe of faers_signals, N = 20) and 90000023-25 (no
reaction term / no suspect drug / only an empty pt: in fct_faers_reports, not in N). 90000021 and 90000022 are
deleted. Superseded versions only ever hold IBUPROFEN and Nausea, so neither may reach faers_signals.

Suspect drugs (PS/SS) and reaction terms of the 20 cases:
  01-05 ANAKINRA (01 v2; 02 prod_ai ' anakinra '; 03 twice, PS and SS)
        01 Injection site erythema, Injection site pruritus, Fatigue
        02 Injection site erythema, Injection site pruritus, Fatigue
        03 Injection site erythema, Fatigue
        04 Injection site erythema, Rash, Fatigue
        05 Headache, Fatigue
  06    METHOTREXATE (ANAKINRA only as C)         Injection site erythema, Fatigue
  07-08 ASPIRIN "BAYER" (drugname, prod_ai empty)  07 Rash, Fatigue; 08 Rash, Headache, Fatigue
  09    ACETAMINOPHEN                              Rash, Fatigue
  10-14 DUPILUMAB (14 prod_ai 'dupilumab')         Conjunctivitis (10 also Fatigue)
  15-16 CAFÉINE (drugname, Windows-1252)           15 Headache, Fatigue; 16 Palpitations, Fatigue
  17-19 OMEPRAZOLE (19: and an unnamed SS row)    17, 18 Arthralgia, Fatigue; 19 Fatigue
  20    ACETAMINOPHEN                              Arthralgia, Fatigue
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
import sys
import zipfile
from pathlib import Path

import duckdb
import numpy as np
import pytest
from pytest import approx
from scipy.stats import chi2_contingency, gamma

from helpers import PROJECT_DIR, dbt
from pv_warehouse.core.settings import Settings
from pv_warehouse.ingest.contract import LandingError
from pv_warehouse.ingest.load import load_landing

FIXTURES = PROJECT_DIR / "tests" / "fixtures" / "faers"
ZIP_NAME = "faers_ascii_2015q1.zip"
RAW_TABLES = ("demo", "drug", "reac", "outc", "rpsr", "ther", "indi", "deleted_cases")
PROVENANCE = ("_source_file", "_sha256", "_snapshot_date", "_row_number", "_run_id", "_loaded_at")
DEMO_COLUMNS = [
    "primaryid",
    "caseid",
    "caseversion",
    "i_f_code",
    "event_dt",
    "mfr_dt",
    "init_fda_dt",
    "fda_dt",
    "rept_cod",
    "auth_num",
    "mfr_num",
    "mfr_sndr",
    "lit_ref",
    "age",
    "age_cod",
    "age_grp",
    "sex",
    "e_sub",
    "wt",
    "wt_cod",
    "rept_dt",
    "to_mfr",
    "occp_cod",
    "reporter_country",
    "occr_country",
]
N = 20  # the cases of the universe, 90000001-90000020


def zip_quarter(folder: Path, target: Path) -> None:
    """Zip a quarter as the FDA does: its folders (ascii/, Deleted/) at the root, with directory entries."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, path.relative_to(folder).as_posix())


def write_landing(landing: Path) -> Path:
    faers = landing / "faers"
    shutil.copytree(FIXTURES / "2012q4", faers / "2012q4")
    zip_quarter(FIXTURES / "2015q1", faers / "2015q1" / ZIP_NAME)
    shutil.copytree(FIXTURES / "2015q2", faers / "2015q2")
    return landing


def query(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "build" / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The home after loading the three fixture quarters (raw only)."""
    root = tmp_path_factory.mktemp("faers")
    settings = Settings(landing_dir=write_landing(root / "landing"), home_dir=root / "home")
    load_landing(settings, "faers-tests")
    return settings.home_dir


@pytest.fixture(scope="module")
def built(loaded: Path) -> Path:
    """The same home with the FAERS marts built (the module's one dbt build)."""
    build = dbt(
        loaded,
        "build",
        "--select",
        "+fct_faers_reports",
        "+faers_signals",
        "+faers_signal_priors",
        "--exclude",
        "resource_type:unit_test",
    )
    assert build.returncode == 0, build.stdout[-4000:]
    return loaded


@pytest.fixture(scope="module")
def signals(built: Path) -> dict[tuple[str, str], dict[str, object]]:
    with duckdb.connect(str(built / "build" / "warehouse.duckdb"), read_only=True) as con:
        cursor = con.execute("select * from marts.faers_signals")
        names = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    by_pair = {(row[0], row[1]): dict(zip(names, row, strict=True)) for row in rows}
    assert len(by_pair) == len(rows), "one row per (drug, pt)"
    return by_pair


# ---------------------------------------------------------------------------------------------------- raw


def test_each_table_file_is_loaded_with_its_provenance(loaded: Path) -> None:
    union = " union all ".join(
        f"select '{table}' as t, _source_file, _snapshot_date, count(*), min(_row_number), max(_row_number) "
        f"from raw.faers_{table} group by all"
        for table in RAW_TABLES
        if table != "deleted_cases"
    )
    z = f"faers/2015q1/{ZIP_NAME}!"
    q4, q1, q2 = dt.date(2012, 10, 1), dt.date(2015, 1, 1), dt.date(2015, 4, 1)
    assert sorted(query(loaded, union)) == sorted(
        [
            ("demo", "faers/2012q4/ascii/demo12q4.txt", q4, 4, 1, 4),
            ("drug", "faers/2012q4/ascii/drug12q4.txt", q4, 4, 1, 4),
            ("reac", "faers/2012q4/ascii/reac12q4.txt", q4, 6, 1, 6),
            ("demo", z + "ascii/DEMO15Q1.txt", q1, 14, 1, 14),
            ("drug", z + "ascii/DRUG15Q1.txt", q1, 17, 1, 17),
            ("reac", z + "ascii/REAC15Q1.txt", q1, 24, 1, 24),
            ("outc", z + "ascii/OUTC15Q1.txt", q1, 5, 1, 5),
            ("rpsr", z + "ascii/RPSR15Q1.txt", q1, 2, 1, 2),
            ("ther", z + "ascii/THER15Q1.txt", q1, 2, 1, 2),
            ("indi", z + "ascii/INDI15Q1.txt", q1, 2, 1, 2),
            ("demo", "faers/2015q2/ascii2/DEMO15Q2.txt", q2, 11, 1, 11),
            ("drug", "faers/2015q2/ascii2/DRUG15Q2.txt", q2, 12, 1, 12),
            ("reac", "faers/2015q2/ascii2/REAC15Q2.txt", q2, 18, 1, 18),
            ("outc", "faers/2015q2/ascii2/OUTC15Q2.txt", q2, 5, 1, 5),
        ]
    )  # README.txt, beside the tables in the zip, is loaded nowhere
    assert query(loaded, "select distinct _run_id, length(_sha256), _loaded_at is not null from raw.faers_demo") == [
        ("faers-tests", 64, True)
    ]


def test_raw_columns_are_the_published_ones_as_text(loaded: Path) -> None:
    columns = dict(
        query(
            loaded,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'faers_demo'",
        )
    )
    assert {columns.get(name) for name in DEMO_COLUMNS} == {"VARCHAR"}
    # a column the table may hold for other layouts stays empty: the trailing `$` of 2015q1 filled nothing
    for extra in set(columns) - set(DEMO_COLUMNS) - set(PROVENANCE):
        assert query(loaded, f'select count("{extra}") from raw.faers_demo') == [(0,)], extra


def test_raw_keeps_text_verbatim_and_empty_fields_null(loaded: Path) -> None:
    drug = "select drugname, prod_ai, dose_vbm, dose_freq from raw.faers_drug where primaryid = "
    # `"` is an ordinary character; whitespace and case are as received
    assert query(loaded, drug + "'1000000071'") == [('ASPIRIN "BAYER"', None, '1 "tablet"', None)]
    assert query(loaded, drug + "'900000081'") == [('ASPIRIN "BAYER"', None, None, None)]
    assert query(loaded, drug + "'900000021'") == [("Kineret", " anakinra ", None, None)]
    # Windows-1252 bytes of 2015q2's DRUG decoded intact (0xC9 É, 0xE9 é, 0x92 the right single quote U+2019)
    assert query(loaded, drug + "'900000151'") == [("CAFÉINE", None, "une tasse de café", None)]
    assert query(loaded, drug + "'900000161'") == [("CAFÉINE", None, "patient\u2019s own", None)]
    # an unbalanced `"` opening a value does not swallow the rest of the line
    assert query(
        loaded, "select lit_ref, age, age_cod, occr_country from raw.faers_demo where primaryid = '900000031'"
    ) == [('"Injection site reactions with anakinra', "6", "DEC", "US")]
    # the last column, before a trailing `$` (2015q1) or a CRLF (2015q2), holds just its value
    assert query(
        loaded,
        "select primaryid, event_dt, sex, reporter_country, occr_country, _row_number from raw.faers_demo "
        "where primaryid in ('900000041', '900000091', '900000181') order by 1",
    ) == [
        ("900000041", None, None, "US", "US", 4),
        ("900000091", "201503", "F", "CA", "CA", 4),
        ("900000181", None, "M", "US", "US", 3),
    ]
    assert query(loaded, "select indi_pt from raw.faers_indi order by _row_number") == [
        ("Still's disease",),
        ("Rheumatoid arthritis",),
    ]
    assert query(loaded, "select pt from raw.faers_reac where caseid = '90000025'") == [(None,)]
    assert query(
        loaded, "select drug_seq, role_cod, drugname, prod_ai from raw.faers_drug where caseid = '90000019'"
    ) == [
        ("1", "PS", "PRILOSEC", "OMEPRAZOLE"),
        ("2", "SS", None, None),
    ]


def test_deleted_case_lists_are_loaded(loaded: Path) -> None:
    rows = query(loaded, "select caseid, _source_file, _snapshot_date from raw.faers_deleted_cases order by all")
    assert [row for row in rows if row[0].isdigit()] == [
        ("90000021", f"faers/2015q1/{ZIP_NAME}!Deleted/DELETED15Q1.txt", dt.date(2015, 1, 1)),
        ("90000022", "faers/2015q2/deleted/deleted15q2.txt", dt.date(2015, 4, 1)),
    ]
    # the header line of 2015q2's list may be kept in raw as received (staging then skips it), nothing else
    assert [row for row in rows if not row[0].isdigit()] in (
        [],
        [("caseid", "faers/2015q2/deleted/deleted15q2.txt", dt.date(2015, 4, 1))],
    )


# ---------------------------------------------------------------------------------------------------- refusals


def copy_quarter(name: str, target: Path) -> Path:
    shutil.copytree(FIXTURES / name, target)
    return target


def with_a_valid_quarter(tmp_path: Path) -> Path:
    """A landing holding a valid 2015q2, so that a refusal can be seen to publish nothing of it."""
    landing = tmp_path / "landing"
    copy_quarter("2015q2", landing / "faers" / "2015q2")
    return landing


def assert_refused(tmp_path: Path, landing: Path, pattern: str) -> str:
    settings = Settings(landing_dir=landing, home_dir=tmp_path / "home")
    with pytest.raises(LandingError, match=pattern) as refusal:
        load_landing(settings, "faers-refused")
    if settings.build_db.exists():
        for table in RAW_TABLES:
            rows = query(
                settings.home_dir,
                f"select count(*) from information_schema.tables where table_schema = 'raw' "
                f"and table_name = 'faers_{table}'",
            )
            if rows == [(1,)]:
                assert query(settings.home_dir, f"select count(*) from raw.faers_{table}") == [(0,)], table
    return str(refusal.value)


def test_a_quarter_before_2012q4_is_refused_as_laers(tmp_path: Path) -> None:
    landing = with_a_valid_quarter(tmp_path)
    folder = landing / "faers" / "2012q3" / "ascii"
    folder.mkdir(parents=True)
    for path in (FIXTURES / "2012q4" / "ascii").iterdir():
        shutil.copy(path, folder / path.name.replace("12q4", "12q3"))
    assert_refused(tmp_path, landing, "LAERS")


def test_a_demo_with_the_laers_isr_header_is_refused(tmp_path: Path) -> None:
    landing = with_a_valid_quarter(tmp_path)
    folder = landing / "faers" / "2013q1" / "ascii"
    folder.mkdir(parents=True)
    shutil.copy(FIXTURES / "refused" / "laers_demo.txt", folder / "DEMO13Q1.txt")
    assert_refused(tmp_path, landing, "LAERS")


def test_a_table_file_of_another_quarter_is_refused(tmp_path: Path) -> None:
    landing = with_a_valid_quarter(tmp_path)
    folder = copy_quarter("2015q1", landing / "faers" / "2015q1")
    shutil.copy(FIXTURES / "2015q2" / "ascii2" / "DEMO15Q2.txt", folder / "ascii" / "DEMO15Q2.txt")
    assert "DEMO15Q2.txt" in assert_refused(tmp_path, landing, "belongs to quarter")


def test_a_zip_beside_extracted_files_is_refused(tmp_path: Path) -> None:
    landing = with_a_valid_quarter(tmp_path)
    folder = copy_quarter("2015q1", landing / "faers" / "2015q1")
    zip_quarter(FIXTURES / "2015q1", folder / ZIP_NAME)
    assert_refused(tmp_path, landing, "both")


def test_a_quarter_without_demo_is_refused(tmp_path: Path) -> None:
    landing = with_a_valid_quarter(tmp_path)
    folder = copy_quarter("2015q1", landing / "faers" / "2015q1")
    (folder / "ascii" / "DEMO15Q1.txt").unlink()
    assert_refused(tmp_path, landing, "DEMO")


def test_a_folder_not_named_by_its_quarter_is_refused(tmp_path: Path) -> None:
    landing = with_a_valid_quarter(tmp_path)
    copy_quarter("2015q1", landing / "faers" / "2015-q1")
    assert_refused(tmp_path, landing, "YYYY")


@pytest.mark.parametrize(
    ("quarter", "member", "line", "changed"),
    [
        # one `$` too many in a CRLF file without trailing `$` (2015q2, extracted)
        pytest.param(
            "2015q2",
            "ascii2/REAC15Q2.txt",
            "900000071$90000007$Nausea$\r\n",
            "900000071$90000007$$Nausea$\r\n",
            id="one-too-many",
        ),
        # one `$` too many in a file whose lines end with `$` (2015q1, zipped)
        pytest.param(
            "2015q1",
            "ascii/REAC15Q1.txt",
            "900000012$90000001$Injection site pruritus$$\n",
            "900000012$$90000001$Injection site pruritus$$\n",
            id="one-too-many-with-trailing-dollar",
        ),
        # one `$` too few
        pytest.param(
            "2015q2",
            "ascii2/REAC15Q2.txt",
            "900000071$90000007$Nausea$\r\n",
            "900000071$90000007Nausea$\r\n",
            id="one-too-few",
        ),
    ],
)
def test_a_row_with_a_wrong_number_of_fields_is_refused_with_its_line(
    tmp_path: Path, quarter: str, member: str, line: str, changed: str
) -> None:
    landing = tmp_path / "landing"
    source = copy_quarter(quarter, tmp_path / "fixture" / quarter)
    path = source / member
    text = path.read_bytes().decode("ascii")
    # the changed row is the third line of its file (the second data row)
    assert text.splitlines(keepends=True)[2] == line
    path.write_bytes(text.replace(line, changed).encode("ascii"))
    if quarter == "2015q1":
        copy_quarter("2015q2", landing / "faers" / "2015q2")
        zip_quarter(source, landing / "faers" / "2015q1" / ZIP_NAME)
    else:
        shutil.copytree(source, landing / "faers" / quarter)
    message = assert_refused(tmp_path, landing, r"\bline 3\b")
    assert Path(member).name in message


# ---------------------------------------------------------------------------------------------------- fct_faers_reports

D = dt.date
REPORT_COLUMNS = (
    "caseid, primaryid, caseversion, quarter, fda_dt, event_dt, event_dt_precision, age_years, sex, "
    "reporter_country, is_serious, outcome_codes"
)
EXPECTED_REPORTS = [
    # C1: v1 (2012q4) superseded by v2 (2015q1); v1's Nausea and IBUPROFEN are gone; OUTC HO twice, OT -> 'HO,OT'
    (90000001, 900000012, 2, "2015Q1", D(2015, 1, 15), D(2014, 11, 3), "day", 41.0, "M", "US", True, "HO,OT"),
    (90000002, 900000021, 1, "2015Q1", D(2015, 1, 20), D(2014, 10, 1), "month", 18 / 12, "F", "FR", False, None),
    (90000003, 900000031, 1, "2015Q1", D(2015, 1, 22), D(2014, 1, 1), "year", 6 * 10.0, "UNK", "US", False, None),
    # empty event_dt and empty sex
    (90000004, 900000041, 1, "2015Q1", D(2015, 2, 5), None, None, round(10 * 7 / 365.25, 2), None, "US", True, "DE"),
    # event_dt 20150231 does not exist
    (90000005, 900000051, 1, "2015Q1", D(2015, 2, 10), None, None, round(200 / 365.25, 2), "F", "US", False, None),
    # C3: tie on caseversion 1, kept for its later fda_dt (20150320 against 20150115 in 2015q2, which has the
    # higher primaryid 900000069 and an OUTC LT); event_dt 201413 has no month 13
    (90000006, 900000061, 1, "2015Q1", D(2015, 3, 20), None, None, round(36 / 8766, 2), "M", "US", False, None),
    # C4: tie on caseversion and fda_dt, kept for the higher primaryid (1000000071 > 900000071, though lower as
    # text); age 35 without age_cod
    (90000007, 1000000071, 1, "2015Q1", D(2015, 3, 1), D(2015, 1, 1), "day", None, "F", "US", False, None),
    (90000008, 900000081, 1, "2015Q2", D(2015, 4, 15), D(2015, 4, 2), "day", 67.0, "M", "US", True, "LT,RI"),
    (90000009, 900000091, 1, "2015Q2", D(2015, 4, 20), D(2015, 3, 1), "month", 52.0, "F", "CA", False, None),
    # C5: version 10 (2015q1) kept over version 9 (2015q2, later, '9' > '10' as text, OUTC DE); age empty
    (90000010, 9000001010, 10, "2015Q1", D(2015, 3, 5), D(2014, 1, 1), "year", None, "M", "US", True, "HO"),
    (90000011, 900000111, 1, "2015Q1", D(2015, 3, 6), D(2015, 1, 10), "day", 2.5, "F", "US", False, None),
    # age_cod ZZ is no unit
    (90000012, 900000121, 1, "2015Q1", D(2015, 3, 7), D(2015, 1, 11), "day", None, "M", "US", False, None),
    (90000013, 900000131, 1, "2015Q1", D(2015, 3, 8), D(2015, 1, 12), "day", 25.0, "F", "US", False, None),
    (90000014, 900000141, 1, "2015Q1", D(2015, 3, 9), D(2015, 1, 13), "day", 33.0, "M", "US", False, None),
    (90000015, 900000151, 1, "2015Q2", D(2015, 5, 2), D(2015, 4, 5), "day", 45.0, "F", "FR", False, None),
    (90000016, 900000161, 1, "2015Q2", D(2015, 5, 3), D(2015, 4, 6), "day", 50.0, "M", "FR", False, None),
    (90000017, 900000171, 1, "2012Q4", D(2012, 10, 10), D(2012, 9, 15), "day", 60.0, "F", "US", False, None),
    (90000018, 900000181, 1, "2012Q4", D(2012, 11, 20), None, None, 61.0, "M", "US", False, None),
    (90000019, 900000191, 1, "2015Q2", D(2015, 5, 4), D(2015, 4, 7), "day", 70.0, "F", "US", False, None),
    (90000020, 900000201, 1, "2015Q2", D(2015, 5, 5), D(2015, 4, 8), "day", 44.0, "M", "US", False, None),
    # 90000021 (listed in 2015q1's Deleted/) and 90000022 (listed in 2015q2's deleted/) are dropped
    (90000023, 900000231, 1, "2015Q1", D(2015, 3, 10), D(2015, 1, 14), "day", 48.0, "F", "US", False, None),
    (90000024, 900000241, 1, "2015Q1", D(2015, 3, 11), D(2015, 1, 15), "day", 58.0, "M", "US", False, None),
    (90000025, 900000251, 1, "2015Q2", D(2015, 5, 7), D(2015, 4, 10), "day", 29.0, "M", "US", False, None),
]


def test_reports_are_one_row_per_kept_case(built: Path) -> None:
    rows = query(built, f"select {REPORT_COLUMNS} from marts.fct_faers_reports order by caseid")
    assert [row[0] for row in rows] == [row[0] for row in EXPECTED_REPORTS]
    for row, expected in zip(rows, EXPECTED_REPORTS, strict=True):
        assert row == approx(expected), row[0]


def test_report_column_types(built: Path) -> None:
    types = dict(
        query(
            built,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'fct_faers_reports'",
        )
    )
    assert {column: types.get(column) for column in REPORT_COLUMNS.split(", ")} == {
        "caseid": "BIGINT",
        "primaryid": "BIGINT",
        "caseversion": "INTEGER",
        "quarter": "VARCHAR",
        "fda_dt": "DATE",
        "event_dt": "DATE",
        "event_dt_precision": "VARCHAR",
        "age_years": "DOUBLE",
        "sex": "VARCHAR",
        "reporter_country": "VARCHAR",
        "is_serious": "BOOLEAN",
        "outcome_codes": "VARCHAR",
    }


def test_deduplication_picks_version_then_fda_dt_then_primaryid(built: Path) -> None:
    assert query(
        built,
        "select caseid, primaryid, caseversion, quarter from marts.fct_faers_reports "
        "where caseid in (90000001, 90000006, 90000007, 90000010, 90000021, 90000022) order by caseid",
    ) == [
        (90000001, 900000012, 2, "2015Q1"),  # version 2 over version 1
        (90000006, 900000061, 1, "2015Q1"),  # same version: the later fda_dt
        (90000007, 1000000071, 1, "2015Q1"),  # same version and fda_dt: the higher primaryid, as a number
        (90000010, 9000001010, 10, "2015Q1"),  # version 10 over version 9, as numbers
    ]  # deleted 90000021 and 90000022 are absent


# ---------------------------------------------------------------------------------------------------- faers_signals

SIGNAL_COLUMNS = [
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
    "ebgm",
    "eb05",
    "eb95",
    "is_ror_signal",
    "is_prr_signal",
    "is_ic_signal",
]


def assert_signal(row: dict[str, object], **expected: object) -> None:
    """Each expected statistic: None is NULL, a bool is a flag (exactly), a number is compared with approx."""
    for name, value in expected.items():
        if value is None or isinstance(value, bool):
            assert row[name] is value, (name, row[name])
        else:
            assert row[name] == approx(value), (name, row[name], value)


def test_signal_columns_in_order(built: Path) -> None:
    columns = query(
        built,
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' and table_name = 'faers_signals' order by ordinal_position",
    )
    assert [name for name, _ in columns] == SIGNAL_COLUMNS
    kinds = dict(columns)
    assert {kinds[flag] for flag in SIGNAL_COLUMNS[-3:]} == {"BOOLEAN"}
    assert {kinds[stat] for stat in SIGNAL_COLUMNS[6:18]} == {"DOUBLE"}


def test_signal_pairs_are_those_of_the_kept_suspect_drugs_and_terms(signals: dict) -> None:
    # no IBUPROFEN nor Nausea (superseded versions, deleted case), no KINERET (prod_ai wins), no empty drug or pt,
    # no ANAKINRA x Palpitations etc.: only pairs seen together in one of the 20 cases
    assert set(signals) == {
        ("ANAKINRA", "Injection site erythema"),
        ("ANAKINRA", "Injection site pruritus"),
        ("ANAKINRA", "Rash"),
        ("ANAKINRA", "Headache"),
        ("ANAKINRA", "Fatigue"),
        ("METHOTREXATE", "Injection site erythema"),
        ("METHOTREXATE", "Fatigue"),
        ('ASPIRIN "BAYER"', "Rash"),
        ('ASPIRIN "BAYER"', "Headache"),
        ('ASPIRIN "BAYER"', "Fatigue"),
        ("ACETAMINOPHEN", "Rash"),
        ("ACETAMINOPHEN", "Arthralgia"),
        ("ACETAMINOPHEN", "Fatigue"),
        ("DUPILUMAB", "Conjunctivitis"),
        ("DUPILUMAB", "Fatigue"),
        ("CAFÉINE", "Headache"),
        ("CAFÉINE", "Palpitations"),
        ("CAFÉINE", "Fatigue"),
        ("OMEPRAZOLE", "Arthralgia"),
        ("OMEPRAZOLE", "Fatigue"),
    }


def test_every_row_counts_the_same_universe(signals: dict) -> None:
    # 20 cases with a suspect drug and a reaction term: 90000023 (no term), 90000024 (only C and I drugs),
    # 90000025 (only an empty pt) and the deleted 90000021-22 are out
    assert {row["a"] + row["b"] + row["c"] + row["d"] for row in signals.values()} == {N}
    assert min(row["a"] for row in signals.values()) >= 1
    for row in signals.values():
        for flag in SIGNAL_COLUMNS[-3:]:
            assert isinstance(row[flag], bool), (row["drug"], row["pt"], flag)
        assert row["ic"] is not None
        assert row["ic025"] is not None


def test_anakinra_injection_site_erythema_raises_ror_and_prr_signals(signals: dict) -> None:
    # a: 01-04; b: 05; c: 06 (ANAKINRA there is concomitant); d: 20 - 6. Not counted: the deleted 90000021 and
    # 90000024 (ANAKINRA interacting, METHOTREXATE concomitant), both with this term.
    row = signals[("ANAKINRA", "Injection site erythema")]
    assert (row["a"], row["b"], row["c"], row["d"]) == (4, 1, 1, 14)
    ror_se = math.sqrt(1 / 4 + 1 / 1 + 1 / 1 + 1 / 14)
    prr_se = math.sqrt(1 / 4 - 1 / (4 + 1) + 1 / 1 - 1 / (1 + 14))
    e = (4 + 1) * (4 + 1) / 20  # E = (a+b)(a+c)/N
    assert_signal(
        row,
        ror=4 * 14 / (1 * 1),
        ror_lower=math.exp(math.log(56) - 1.96 * ror_se),
        ror_upper=math.exp(math.log(56) + 1.96 * ror_se),
        prr=(4 / 5) / (1 / 15),
        prr_lower=math.exp(math.log(12) - 1.96 * prr_se),
        prr_upper=math.exp(math.log(12) + 1.96 * prr_se),
        chi2=20 * (abs(4 * 14 - 1 * 1) - 20 / 2) ** 2 / ((4 + 1) * (1 + 14) * (4 + 1) * (1 + 14)),
        ic=math.log2((4 + 0.5) / (e + 0.5)),
        ic025=math.log2(gamma.ppf(0.025, 4 + 0.5, scale=1 / (e + 0.5))),
        is_ror_signal=True,  # ror_lower 2.83 > 1, a = 4
        is_prr_signal=True,  # prr 12 >= 2, chi2 7.2 >= 4, a = 4
        is_ic_signal=False,  # ic025 -0.37
    )
    assert row["chi2"] == approx(chi2_contingency([[4, 1], [1, 14]], correction=True)[0])


def test_dupilumab_conjunctivitis_b_and_c_zero_raises_only_the_ic_signal(signals: dict) -> None:
    # a: 10-14; no DUPILUMAB case without the term, no case of the term without DUPILUMAB
    row = signals[("DUPILUMAB", "Conjunctivitis")]
    assert (row["a"], row["b"], row["c"], row["d"]) == (5, 0, 0, 15)
    e = (5 + 0) * (5 + 0) / 20
    assert_signal(
        row,
        ror=None,  # b*c = 0
        ror_lower=None,
        ror_upper=None,
        prr=None,  # c = 0
        prr_lower=None,
        prr_upper=None,
        chi2=20 * (abs(5 * 15 - 0 * 0) - 20 / 2) ** 2 / ((5 + 0) * (0 + 15) * (5 + 0) * (0 + 15)),
        ic=math.log2((5 + 0.5) / (e + 0.5)),
        ic025=math.log2(gamma.ppf(0.025, 5 + 0.5, scale=1 / (e + 0.5))),
        is_ror_signal=False,  # a NULL statistic raises no flag
        is_prr_signal=False,
        is_ic_signal=True,  # ic025 0.125 > 0
    )
    assert row["chi2"] == approx(chi2_contingency([[5, 0], [0, 15]], correction=True)[0])


def test_anakinra_injection_site_pruritus_c_zero(signals: dict) -> None:
    # a: 01, 02; b: 03-05 (03 has ANAKINRA twice, counted once); the term only with ANAKINRA
    row = signals[("ANAKINRA", "Injection site pruritus")]
    assert (row["a"], row["b"], row["c"], row["d"]) == (2, 3, 0, 15)
    e = (2 + 3) * (2 + 0) / 20
    assert_signal(
        row,
        ror=None,  # b*c = 0
        ror_lower=None,
        ror_upper=None,
        prr=None,  # c = 0
        prr_lower=None,
        prr_upper=None,
        chi2=20 * (abs(2 * 15 - 3 * 0) - 20 / 2) ** 2 / ((2 + 3) * (0 + 15) * (2 + 0) * (3 + 15)),
        ic=math.log2((2 + 0.5) / (e + 0.5)),
        ic025=math.log2(gamma.ppf(0.025, 2 + 0.5, scale=1 / (e + 0.5))),
        is_ror_signal=False,
        is_prr_signal=False,
        is_ic_signal=False,
    )


def test_aspirin_from_drugname_rash_b_zero_and_a_below_three(signals: dict) -> None:
    # drug = drugname 'ASPIRIN "BAYER"' (prod_ai empty; one case per quarter, 07 zipped, 08 extracted);
    # a: 07, 08; c: 04, 09
    row = signals[('ASPIRIN "BAYER"', "Rash")]
    assert (row["a"], row["b"], row["c"], row["d"]) == (2, 0, 2, 16)
    prr_se = math.sqrt(1 / 2 - 1 / (2 + 0) + 1 / 2 - 1 / (2 + 16))
    e = (2 + 0) * (2 + 2) / 20
    assert_signal(
        row,
        ror=None,  # b = 0
        ror_lower=None,
        ror_upper=None,
        prr=(2 / 2) / (2 / 18),
        prr_lower=math.exp(math.log(9) - 1.96 * prr_se),
        prr_upper=math.exp(math.log(9) + 1.96 * prr_se),
        chi2=20 * (abs(2 * 16 - 0 * 2) - 20 / 2) ** 2 / ((2 + 0) * (2 + 16) * (2 + 2) * (0 + 16)),
        ic=math.log2((2 + 0.5) / (e + 0.5)),
        ic025=math.log2(gamma.ppf(0.025, 2 + 0.5, scale=1 / (e + 0.5))),
        is_ror_signal=False,
        is_prr_signal=False,  # prr 9 >= 2 and chi2 4.2 >= 4, but a = 2 < 3
        is_ic_signal=False,
    )
    assert row["chi2"] >= 4


def test_dupilumab_fatigue_d_zero_gives_ror_zero(signals: dict) -> None:
    # a: 10; b: 11-14; c: the 15 other cases, all with Fatigue; d = 0
    row = signals[("DUPILUMAB", "Fatigue")]
    assert (row["a"], row["b"], row["c"], row["d"]) == (1, 4, 15, 0)
    prr_se = math.sqrt(1 / 1 - 1 / (1 + 4) + 1 / 15 - 1 / (15 + 0))
    e = (1 + 4) * (1 + 15) / 20
    assert_signal(
        row,
        ror=0.0,  # a*d/(b*c) = 0/60
        ror_lower=None,  # d = 0
        ror_upper=None,
        prr=(1 / 5) / (15 / 15),
        prr_lower=math.exp(math.log(0.2) - 1.96 * prr_se),
        prr_upper=math.exp(math.log(0.2) + 1.96 * prr_se),
        chi2=20 * (abs(1 * 0 - 4 * 15) - 20 / 2) ** 2 / ((1 + 4) * (15 + 0) * (1 + 15) * (4 + 0)),
        ic=math.log2((1 + 0.5) / (e + 0.5)),
        ic025=math.log2(gamma.ppf(0.025, 1 + 0.5, scale=1 / (e + 0.5))),
        is_ror_signal=False,
        is_prr_signal=False,
        is_ic_signal=False,
    )


def test_acetaminophen_fatigue_chi2_clamped_to_zero_by_yates(signals: dict) -> None:
    # a: 09, 20; c: 14 others with Fatigue; d: 11-14. |ad - bc| = 8 < N/2 = 10, so Yates gives 0
    row = signals[("ACETAMINOPHEN", "Fatigue")]
    assert (row["a"], row["b"], row["c"], row["d"]) == (2, 0, 14, 4)
    prr_se = math.sqrt(1 / 2 - 1 / (2 + 0) + 1 / 14 - 1 / (14 + 4))
    prr = (2 / 2) / (14 / 18)
    e = (2 + 0) * (2 + 14) / 20
    assert_signal(
        row,
        ror=None,  # b = 0
        ror_lower=None,
        ror_upper=None,
        prr=prr,
        prr_lower=math.exp(math.log(prr) - 1.96 * prr_se),
        prr_upper=math.exp(math.log(prr) + 1.96 * prr_se),
        chi2=0.0,  # 20 * max(0, |2*4 - 0*14| - 10)^2 / (...)
        ic=math.log2((2 + 0.5) / (e + 0.5)),
        ic025=math.log2(gamma.ppf(0.025, 2 + 0.5, scale=1 / (e + 0.5))),
        is_ror_signal=False,
        is_prr_signal=False,
        is_ic_signal=False,
    )
    assert chi2_contingency([[2, 0], [14, 4]], correction=True)[0] == approx(0.0)


def test_anakinra_rash_independent_gives_one_and_chi2_zero(signals: dict) -> None:
    # a: 04; b: 01, 02, 03, 05; c: 07, 08, 09 (the deleted 90000021 had ANAKINRA and Rash too); ad = bc = 12
    row = signals[("ANAKINRA", "Rash")]
    assert (row["a"], row["b"], row["c"], row["d"]) == (1, 4, 3, 12)
    ror_se = math.sqrt(1 / 1 + 1 / 4 + 1 / 3 + 1 / 12)
    prr_se = math.sqrt(1 / 1 - 1 / (1 + 4) + 1 / 3 - 1 / (3 + 12))
    e = (1 + 4) * (1 + 3) / 20
    assert_signal(
        row,
        ror=1 * 12 / (4 * 3),
        ror_lower=math.exp(0 - 1.96 * ror_se),
        ror_upper=math.exp(0 + 1.96 * ror_se),
        prr=(1 / 5) / (3 / 15),
        prr_lower=math.exp(0 - 1.96 * prr_se),
        prr_upper=math.exp(0 + 1.96 * prr_se),
        chi2=0.0,
        ic=math.log2((1 + 0.5) / (e + 0.5)),
        ic025=math.log2(gamma.ppf(0.025, 1 + 0.5, scale=1 / (e + 0.5))),
        is_ror_signal=False,
        is_prr_signal=False,
        is_ic_signal=False,
    )


def test_omeprazole_arthralgia_ror_lower_above_one_but_a_below_three(signals: dict) -> None:
    # a: 17, 18 (2012q4); b: 19 (its nameless SS row is ignored); c: 20
    row = signals[("OMEPRAZOLE", "Arthralgia")]
    assert (row["a"], row["b"], row["c"], row["d"]) == (2, 1, 1, 16)
    ror_se = math.sqrt(1 / 2 + 1 / 1 + 1 / 1 + 1 / 16)
    prr = (2 / 3) / (1 / 17)
    prr_se = math.sqrt(1 / 2 - 1 / (2 + 1) + 1 / 1 - 1 / (1 + 16))
    e = (2 + 1) * (2 + 1) / 20
    assert_signal(
        row,
        ror=2 * 16 / (1 * 1),
        ror_lower=math.exp(math.log(32) - 1.96 * ror_se),
        ror_upper=math.exp(math.log(32) + 1.96 * ror_se),
        prr=prr,
        prr_lower=math.exp(math.log(prr) - 1.96 * prr_se),
        prr_upper=math.exp(math.log(prr) + 1.96 * prr_se),
        chi2=20 * (abs(2 * 16 - 1 * 1) - 20 / 2) ** 2 / ((2 + 1) * (1 + 16) * (2 + 1) * (1 + 16)),
        ic=math.log2((2 + 0.5) / (e + 0.5)),
        ic025=math.log2(gamma.ppf(0.025, 2 + 0.5, scale=1 / (e + 0.5))),
        is_ror_signal=False,  # ror_lower 1.39 > 1, but a = 2 < 3
        is_prr_signal=False,
        is_ic_signal=False,
    )
    assert row["ror_lower"] > 1


def test_cafeine_from_a_windows_1252_drugname(signals: dict) -> None:
    # a: 15; b: 16; c: 05, 08
    row = signals[("CAFÉINE", "Headache")]
    assert (row["a"], row["b"], row["c"], row["d"]) == (1, 1, 2, 16)
    ror_se = math.sqrt(1 / 1 + 1 / 1 + 1 / 2 + 1 / 16)
    prr = (1 / 2) / (2 / 18)
    prr_se = math.sqrt(1 / 1 - 1 / (1 + 1) + 1 / 2 - 1 / (2 + 16))
    e = (1 + 1) * (1 + 2) / 20
    assert_signal(
        row,
        ror=1 * 16 / (1 * 2),
        ror_lower=math.exp(math.log(8) - 1.96 * ror_se),
        ror_upper=math.exp(math.log(8) + 1.96 * ror_se),
        prr=prr,
        prr_lower=math.exp(math.log(prr) - 1.96 * prr_se),
        prr_upper=math.exp(math.log(prr) + 1.96 * prr_se),
        chi2=20 * (abs(1 * 16 - 1 * 2) - 20 / 2) ** 2 / ((1 + 1) * (2 + 16) * (1 + 2) * (1 + 16)),
        ic=math.log2((1 + 0.5) / (e + 0.5)),
        ic025=math.log2(gamma.ppf(0.025, 1 + 0.5, scale=1 / (e + 0.5))),
        is_ror_signal=False,
        is_prr_signal=False,
        is_ic_signal=False,
    )
    assert row["chi2"] == approx(chi2_contingency([[1, 1], [2, 16]], correction=True)[0])


def test_counts_exclude_concomitant_roles_deleted_and_termless_cases(signals: dict) -> None:
    counts = {pair: (row["a"], row["b"], row["c"], row["d"]) for pair, row in signals.items()}
    # METHOTREXATE only in 06 as SS: 90000024's concomitant METHOTREXATE is not counted
    assert counts[("METHOTREXATE", "Injection site erythema")] == (1, 0, 4, 15)
    # ANAKINRA in 01-05 only: not 06 (C), 90000024 (I), 90000023 (no term), 90000021 (deleted), 90000001's v1
    assert counts[("ANAKINRA", "Fatigue")] == (5, 0, 11, 4)
    assert counts[("ANAKINRA", "Headache")] == (1, 4, 2, 13)
    # OMEPRAZOLE with Fatigue in 17, 18, 19
    assert counts[("OMEPRAZOLE", "Fatigue")] == (3, 0, 13, 4)


def test_ebgm_is_the_posterior_under_the_fitted_prior(built: Path, signals: dict) -> None:
    """EBGM, EB05 and EB95 of every pair by numerical integration under the published prior
    (tests/transform/test_mgps.py checks the fit itself against scipy)."""
    sys.path.insert(0, str(PROJECT_DIR / "tests" / "transform"))
    from test_mgps import independent_neg_log_likelihood, posterior_by_integration

    from pv_warehouse.transform.mgps import Prior

    (row,) = query(built, "select * exclude (fit_seconds, fitted_at) from marts.faers_signal_priors")
    table, level, alpha1, beta1, alpha2, beta2, p, nll, n_pairs, converged = row
    assert (table, level, n_pairs, converged) == ("faers_signals", None, len(signals), True)
    counts = np.array([pair["a"] for pair in signals.values()], dtype=float)
    expected = np.array([(s["a"] + s["b"]) * (s["a"] + s["c"]) / 20 for s in signals.values()])
    assert nll == approx(independent_neg_log_likelihood((alpha1, beta1, alpha2, beta2, p), counts, expected))
    prior = Prior(alpha1, beta1, alpha2, beta2, p, nll, n_pairs, converged)
    for key, pair in signals.items():
        e = (pair["a"] + pair["b"]) * (pair["a"] + pair["c"]) / 20
        geometric_mean, low, high = posterior_by_integration(pair["a"], e, prior)
        assert pair["ebgm"] == approx(geometric_mean, rel=1e-6), key
        # quad's quantiles are good to about 1e-6 where a gamma of shape below 1 has its pole at 0
        assert (pair["eb05"], pair["eb95"]) == approx((low, high), rel=1e-4), key
