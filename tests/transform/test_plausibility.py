"""Values that parse and still cannot be, planted in the demo's newest extracts and refreshed once.

The newest hospital snapshot gets a dose of 0, a start after the extraction date, a birth after it, an
onset after it, an end written 31/12/9999, and a patient written `ab123456` whose treatment names him
`AB123456 `; the newest national export an age of 121. The refresh must publish (the critical
expectations hold, since nothing implausible reaches the marts), hold back each bad row with the reason
naming its rule and value, balance every file, keep the 31/12/9999 period as ongoing until the extraction
date and list it for the steward, and give the two spellings of the IPP one patient and one key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import shutil
from html import unescape
from pathlib import Path

import duckdb
import pytest

from helpers import SECOND_SPELLING_TREATMENT, add_row, published, refresh, rewrite_csv, set_value

KEY = "plausibility-test-key-5c1e8a0b7d294f36b2e4a9c0d81f7e63"
HOSPITAL = "hospital/2016-05-15"
EXPORT = "pharmacovigilance/2016-05-10"


@pytest.fixture(scope="module")
def planted(demo_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("plausibility")
    landing = root / "landing"
    shutil.copytree(demo_landing, landing)
    hospital = landing / HOSPITAL
    for change in (
        set_value("treatment_id", "40000022", "dose_mg", "0"),
        set_value("treatment_id", "40000021", "start_date", "16/05/2016"),
        set_value("treatment_id", "40000017", "end_date", "31/12/9999"),
        add_row(SECOND_SPELLING_TREATMENT),
    ):
        rewrite_csv(hospital / "treatments.csv", change)
    rewrite_csv(hospital / "patients.csv", set_value("patient_id", "10000137", "birth_date", "01/01/2017"))
    rewrite_csv(
        hospital / "patients.csv",
        add_row(
            {
                "patient_id": "ab123456",
                "last_name": "Martin",
                "first_name": "Paul",
                "birth_date": "01/01/1970",
                "sex": "M",
            }
        ),
    )
    rewrite_csv(hospital / "adverse_events.csv", set_value("event_id", "70000001", "onset_date", "16/05/2016"))
    rewrite_csv(landing / EXPORT / "pv_cases.csv", set_value("case_id", "BX20070014", "patient_age_years", "121"))
    home = root / "home"
    run = refresh(landing, home, {"PV_WAREHOUSE_PSEUDONYM_KEY": KEY})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return home


def build(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "build" / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_each_implausible_row_is_quarantined_with_its_rule_and_value(planted: Path) -> None:
    rows = build(
        planted,
        "select source_file, record_key, quarantine_reason from steward.steward_quarantined_rows "
        "where quarantine_reason like 'implausible%' or record_key in ('40000027') order by record_key",
    )
    assert rows == [
        (f"{HOSPITAL}/patients.csv", "10000137", "implausible birth_date: after the extraction date 2016-05-15"),
        (
            f"{HOSPITAL}/treatments.csv",
            "40000021",
            "implausible start_date: 2016-05-16 after the extraction date 2016-05-15; "
            "implausible end_date: 2010-11-06 before start_date 2016-05-16",
        ),
        (f"{HOSPITAL}/treatments.csv", "40000022", "implausible dose_mg: 0 is not above 0"),
        # the patient born after the extraction is held back, and with him his treatment
        (f"{HOSPITAL}/treatments.csv", "40000027", "unknown patient: patient_id not among the accepted patients"),
        (
            f"{HOSPITAL}/adverse_events.csv",
            "70000001",
            "implausible onset_date: 2016-05-16 after the extraction date 2016-05-15",
        ),
        (f"{EXPORT}/pv_cases.csv", "BX20070014 v1", "implausible patient_age_years: 121 above max_age_years 120"),
    ]


def test_every_file_still_balances(planted: Path) -> None:
    rows = build(
        planted,
        "select raw_table, rows_read, rows_accepted, rows_quarantined, is_balanced from quarantine.load_reconciliation "
        "where not starts_with(raw_table, 'faers') order by raw_table",
    )
    assert rows == [
        ("hospital_adverse_events", 24, 14, 10, True),
        ("hospital_patients", 28, 22, 6, True),
        ("hospital_treatments", 37, 27, 10, True),
        ("pv_cases", 88, 82, 6, True),
    ]


def test_an_end_written_9999_is_ongoing_until_the_extraction_date(planted: Path) -> None:
    patient_key = hmac.new(KEY.encode(), b"10000071", hashlib.sha256).hexdigest()
    courses = published(
        planted,
        "select start_date::varchar, end_date::varchar, is_ongoing, duration_days from marts.fct_treatment_courses "
        f"where patient_key = '{patient_key}' order by start_date",
    )
    assert courses == [("2009-01-05", "2009-02-03", False, 30), ("2012-05-14", "2016-05-15", True, 1463)]
    assert build(
        planted, "select * exclude (source_file, source_row_number) from steward.steward_ends_after_extraction"
    ) == [("40000017", "10000071", "L04AC03", dt.date(9999, 12, 31), dt.date(2016, 5, 15))]


def test_the_steward_report_lists_the_end_after_extraction(planted: Path) -> None:
    html = (planted / "reports" / "steward.html").read_text(encoding="utf-8")
    table = re.search(r'<table id="ends-after-extraction">(.*?)</table>', html, re.S)
    assert table is not None
    cells = [unescape(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", table.group(1))]
    assert cells[2:] == ["40000017", "10000071", "L04AC03", "9999-12-31", "2016-05-15"]
    assert "implausible dose_mg: 0 is not above 0" in html


def test_two_spellings_of_an_ipp_are_one_patient_with_one_key(planted: Path) -> None:
    key = hmac.new(KEY.encode(), b"AB123456", hashlib.sha256).hexdigest()
    assert published(planted, f"select count(*) from marts.dim_patients where patient_key = '{key}'") == [(1,)]
    assert published(
        planted,
        f"select start_date::varchar, n_exposure_periods from marts.fct_treatment_courses where patient_key = '{key}'",
    ) == [("2012-02-01", 1)]
    assert build(
        planted, "select count(*) from steward.steward_quarantined_rows where upper(trim(patient_id)) = 'AB123456'"
    ) == [(0,)]
