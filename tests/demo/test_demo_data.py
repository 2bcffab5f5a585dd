"""Demo extracts: the landing format to the letter, deterministic for a seed, scalable."""

from __future__ import annotations

import hashlib
import random
import zipfile
from collections import Counter, defaultdict
from importlib.resources import files
from pathlib import Path

import pytest

from pv_warehouse.demo.extracts import naranjo_total, write_demo_landing
from pv_warehouse.demo.faers import write_faers_quarter
from pv_warehouse.demo.vocabulary import read_rows, read_weights
from pv_warehouse.ingest.discovery import discover_snapshots, inspect

FILES = (
    "hospital/2016-01-04/patients.csv",
    "hospital/2016-01-04/treatments.csv",
    "hospital/2016-01-04/adverse_events.csv",
    "hospital/2016-05-15/patients.csv",
    "hospital/2016-05-15/treatments.csv",
    "hospital/2016-05-15/adverse_events.csv",
    "pharmacovigilance/2016-03-01/pv_cases.csv",
    "pharmacovigilance/2016-05-10/pv_cases.csv",
)
# the generators that read the vocabularies of demo/data
MODULES = ("extracts.py", "faers.py")


def digests(landing: Path) -> dict[str, str]:
    return {name: hashlib.sha256((landing / name).read_bytes()).hexdigest() for name in FILES}


def test_every_file_meets_the_landing_contract(demo_landing: Path) -> None:
    snapshots = discover_snapshots(demo_landing)
    assert [(s.source.name, str(s.snapshot_date)) for s in snapshots] == [
        ("faers", "2015-01-01"),
        ("faers", "2015-04-01"),
        ("hospital", "2016-01-04"),
        ("pharmacovigilance", "2016-03-01"),
        ("pharmacovigilance", "2016-05-10"),
        ("hospital", "2016-05-15"),
    ]
    encodings = {file.relative_path: inspect(file).encoding for snapshot in snapshots for file in snapshot.files}
    assert encodings["hospital/2016-05-15/treatments.csv"] == "cp1252"
    assert encodings["hospital/2016-05-15/adverse_events.csv"] == "cp1252"
    assert encodings["hospital/2016-01-04/treatments.csv"] == "utf-8"
    assert encodings["pharmacovigilance/2016-05-10/pv_cases.csv"] == "utf-8"
    assert encodings["faers/2015q1/faers_ascii_2015q1.zip!ascii/DRUG15Q1.txt"] == "utf-8"
    assert encodings["faers/2015q2/ascii2/DEMO15Q2.txt"] == "utf-8"


def test_french_labels_in_windows_1252_and_utf8_with_bom(demo_landing: Path) -> None:
    treatments = (demo_landing / "hospital/2016-05-15/treatments.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        treatments.decode("utf-8")
    assert "Polyarthrite rhumatoïde" in treatments.decode("cp1252")
    assert "Érythème œdémateux des quatre membres" in (
        demo_landing / "hospital/2016-05-15/adverse_events.csv"
    ).read_bytes().decode("cp1252")
    assert (demo_landing / "hospital/2016-05-15/patients.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert not (demo_landing / "hospital/2016-01-04/patients.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_same_seed_same_bytes_other_seed_other_names(tmp_path: Path, demo_landing: Path) -> None:
    write_demo_landing(tmp_path / "again", seed=42)
    write_demo_landing(tmp_path / "other", seed=7)
    assert digests(tmp_path / "again") == digests(demo_landing)
    other = digests(tmp_path / "other")
    assert other["hospital/2016-05-15/patients.csv"] != digests(demo_landing)["hospital/2016-05-15/patients.csv"]
    for name in FILES:
        assert len((tmp_path / "other" / name).read_bytes().splitlines()) == len(
            (demo_landing / name).read_bytes().splitlines()
        )


def test_scale_multiplies_every_file_with_unique_keys(tmp_path: Path) -> None:
    # FAERS quarters do not scale with the cohort: left out here
    base = write_demo_landing(tmp_path / "one", faers_reports=0)
    scaled = write_demo_landing(tmp_path / "three", scale=3, faers_reports=0)
    assert scaled == {name: rows * 3 for name, rows in base.items()}
    ids = [
        line.split(b";")[0]
        for line in (tmp_path / "three/hospital/2016-01-04/patients.csv").read_bytes().splitlines()[1:]
    ]
    assert len(ids) == len(set(ids)) == base["hospital/2016-01-04/patients.csv"] * 3


def test_naranjo_total_counts_items_5_and_6_inverted() -> None:
    assert naranjo_total(("O",) * 10) == 1 + 2 + 1 + 2 - 1 - 1 + 1 + 1 + 1 + 1
    assert naranjo_total(("N",) * 10) == -1 - 1 + 2 + 1
    assert naranjo_total(("NSP",) * 10) == 0


# -- FAERS quarters ---------------------------------------------------------------------------------------------

# the FDA's columns from 2014Q3 on, in order (docs: the FAERS reference)
FAERS_COLUMNS = {
    "DEMO": "primaryid caseid caseversion i_f_code event_dt mfr_dt init_fda_dt fda_dt rept_cod auth_num mfr_num "
    "mfr_sndr lit_ref age age_cod age_grp sex e_sub wt wt_cod rept_dt to_mfr occp_cod reporter_country occr_country",
    "DRUG": "primaryid caseid drug_seq role_cod drugname prod_ai val_vbm route dose_vbm cum_dose_chr cum_dose_unit "
    "dechal rechal lot_num exp_dt nda_num dose_amt dose_unit dose_form dose_freq",
    "REAC": "primaryid caseid pt drug_rec_act",
    "OUTC": "primaryid caseid outc_cod",
    "RPSR": "primaryid caseid rpsr_cod",
    "THER": "primaryid caseid dsg_drug_seq start_dt end_dt dur dur_cod",
    "INDI": "primaryid caseid indi_drug_seq indi_pt",
}
# rows of the hospital and national files before FAERS quarters were added to the demo landing
HOSPITAL_ROWS = {
    "hospital/2016-01-04/patients.csv": 21,
    "hospital/2016-01-04/treatments.csv": 28,
    "hospital/2016-01-04/adverse_events.csv": 15,
    "hospital/2016-05-15/patients.csv": 27,
    "hospital/2016-05-15/treatments.csv": 36,
    "hospital/2016-05-15/adverse_events.csv": 24,
    "pharmacovigilance/2016-03-01/pv_cases.csv": 64,
    "pharmacovigilance/2016-05-10/pv_cases.csv": 88,
}
FAERS_REPORTS = 500


@pytest.fixture(scope="module")
def faers_landing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    landing = tmp_path_factory.mktemp("faers") / "landing"
    return landing, write_demo_landing(landing, faers_reports=FAERS_REPORTS, faers_quarters=2)


def faers_bytes(landing: Path, quarter: str) -> dict[str, bytes]:
    """Table name -> file bytes of a quarter, read from its zip or its extracted folder."""
    folder = landing / "faers" / quarter
    zips = list(folder.glob("*.zip"))
    if zips:
        with zipfile.ZipFile(zips[0]) as archive:
            return {Path(n).name[:4]: archive.read(n) for n in archive.namelist() if n.endswith(".txt")}
    return {path.name[:4]: path.read_bytes() for path in folder.rglob("*.txt")}


def faers_rows(landing: Path, quarter: str, trailing: bool) -> dict[str, list[dict[str, str]]]:
    """Table name -> rows as dicts, checking the layout of every line on the way."""
    tables = {}
    for table, data in faers_bytes(landing, quarter).items():
        assert b"\r" not in data and data.endswith(b"\n")
        lines = data.decode("utf-8").split("\n")[:-1]
        header = lines[0].split("$")
        expected = FAERS_COLUMNS[table].split()
        assert header == [*expected, ""] if trailing else header == expected, (quarter, table)
        rows = []
        for number, line in enumerate(lines[1:], start=2):
            fields = line.split("$")
            assert len(fields) == len(header), (quarter, table, number, line)
            if trailing:
                assert fields.pop() == ""
            # no quoting: a `"` may sit inside a value, never around one
            assert not any(len(f) > 1 and f.startswith('"') and f.endswith('"') for f in fields), line
            rows.append(dict(zip(expected, fields, strict=True)))
        tables[table] = rows
    return tables


def test_faers_quarters_are_laid_out_as_the_fda_ships_them(faers_landing: tuple[Path, dict[str, int]]) -> None:
    landing, counts = faers_landing
    assert sorted(p.name for p in (landing / "faers").iterdir()) == ["2015q1", "2015q2"]
    assert [p.name for p in (landing / "faers/2015q1").iterdir()] == ["faers_ascii_2015q1.zip"]
    with zipfile.ZipFile(landing / "faers/2015q1/faers_ascii_2015q1.zip") as archive:
        assert archive.namelist() == ["ascii/"] + [
            f"ascii/{t}15Q1.txt" for t in ("DEMO", "DRUG", "INDI", "OUTC", "REAC", "RPSR", "THER")
        ]
        assert {info.compress_type for info in archive.infolist()[1:]} == {zipfile.ZIP_DEFLATED}
    assert [p.name for p in (landing / "faers/2015q2").iterdir()] == ["ascii2"]
    assert sorted(p.name for p in (landing / "faers/2015q2/ascii2").iterdir()) == sorted(
        f"{t}15Q2.txt" for t in FAERS_COLUMNS
    )
    for quarter, trailing in (("2015q1", False), ("2015q2", True)):
        rows = faers_rows(landing, quarter, trailing)
        assert set(rows) == set(FAERS_COLUMNS)
        yy, q = quarter[2:4], quarter[-1]
        located = f"faers_ascii_{quarter}.zip!ascii" if not trailing else "ascii2"
        for table, table_rows in rows.items():
            assert counts[f"faers/{quarter}/{located}/{table}{yy}Q{q}.txt"] == len(table_rows)
    assert {name: rows for name, rows in counts.items() if not name.startswith("faers/")} == HOSPITAL_ROWS


def test_faers_reports_hold_together(faers_landing: tuple[Path, dict[str, int]]) -> None:
    landing, _ = faers_landing
    for quarter, first, last, trailing in (
        ("2015q1", "20150101", "20150331", False),
        ("2015q2", "20150401", "20150630", True),
    ):
        rows = faers_rows(landing, quarter, trailing)
        demo = {row["primaryid"]: row for row in rows["DEMO"]}
        assert len(demo) == len(rows["DEMO"]) == FAERS_REPORTS
        assert len({row["caseid"] for row in rows["DEMO"]}) == FAERS_REPORTS
        for row in rows["DEMO"]:
            assert row["primaryid"] == row["caseid"] + row["caseversion"]
            assert (row["i_f_code"] == "I") == (row["caseversion"] == "1")
            assert first <= row["fda_dt"] <= last and row["init_fda_dt"] <= row["fda_dt"]
            assert len(row["event_dt"]) in (0, 4, 6, 8)
            assert row["sex"] in ("F", "M", "UNK", "")
            assert (row["age"] == "") == (row["age_cod"] == "")
            assert len(row["reporter_country"]) == 2
        drugs: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in rows["DRUG"]:
            drugs[row["primaryid"]].append(row)
        assert set(drugs) == set(demo)
        for primaryid, report_drugs in drugs.items():
            assert [row["drug_seq"] for row in report_drugs] == [str(n) for n in range(1, len(report_drugs) + 1)]
            assert [row["role_cod"] for row in report_drugs].count("PS") == 1, primaryid
            assert all(row["caseid"] == demo[primaryid]["caseid"] for row in report_drugs)
        assert 3.5 <= len(rows["DRUG"]) / FAERS_REPORTS <= 5
        assert 2.5 <= len(rows["REAC"]) / FAERS_REPORTS <= 3.7
        assert {row["primaryid"] for row in rows["REAC"]} == set(demo)
        for table, seq in (("THER", "dsg_drug_seq"), ("INDI", "indi_drug_seq")):
            assert rows[table]
            assert all(1 <= int(row[seq]) <= len(drugs[row["primaryid"]]) for row in rows[table])
        for table in ("OUTC", "RPSR"):
            assert rows[table] and {row["primaryid"] for row in rows[table]} <= set(demo)
        assert {row["outc_cod"] for row in rows["OUTC"]} <= {"DE", "LT", "HO", "DS", "CA", "RI", "OT"}


def test_faers_follow_ups_are_newer_versions_of_earlier_cases(faers_landing: tuple[Path, dict[str, int]]) -> None:
    landing, _ = faers_landing
    first = {row["caseid"]: row for row in faers_rows(landing, "2015q1", False)["DEMO"]}
    second = faers_rows(landing, "2015q2", True)["DEMO"]
    follow_ups = [row for row in second if row["caseid"] in first]
    assert len(follow_ups) == FAERS_REPORTS // 10
    for row in follow_ups:
        earlier = first[row["caseid"]]
        assert int(row["caseversion"]) == int(earlier["caseversion"]) + 1
        assert row["fda_dt"] > earlier["fda_dt"]
        assert row["i_f_code"] == "F"
        assert row["init_fda_dt"] <= earlier["fda_dt"]


def test_faers_anakinra_reports_carry_injection_site_terms(faers_landing: tuple[Path, dict[str, int]]) -> None:
    landing, _ = faers_landing
    anakinra: set[str] = set()
    injection_site: set[str] = set()
    dechal: Counter[str] = Counter()
    reports = 0
    for quarter, trailing in (("2015q1", False), ("2015q2", True)):
        rows = faers_rows(landing, quarter, trailing)
        reports += len(rows["DEMO"])
        suspects = [row for row in rows["DRUG"] if row["prod_ai"] == "ANAKINRA" and row["role_cod"] in ("PS", "SS")]
        assert {row["drugname"] for row in suspects} == {"KINERET"}
        assert len({row["primaryid"] for row in suspects}) >= 3
        anakinra |= {row["primaryid"] for row in suspects}
        dechal.update(row["dechal"] for row in suspects)
        injection_site |= {row["primaryid"] for row in rows["REAC"] if row["pt"].startswith("Injection site")}
    share = len(anakinra & injection_site) / len(anakinra)
    others = len(injection_site - anakinra) / (reports - len(anakinra))
    assert share > 0.5 and share > 5 * others
    assert dechal["Y"] >= 1


def test_faers_zero_writes_no_faers_folder_and_the_other_files_are_unchanged(
    tmp_path: Path, demo_landing: Path, faers_landing: tuple[Path, dict[str, int]]
) -> None:
    counts = write_demo_landing(tmp_path / "none", faers_reports=0)
    assert not (tmp_path / "none/faers").exists()
    assert counts == HOSPITAL_ROWS
    # the FAERS quarters draw from a generator of their own: the same seed gives the same other files
    assert digests(tmp_path / "none") == digests(demo_landing) == digests(faers_landing[0])


def test_faers_same_seed_same_bytes(tmp_path: Path, faers_landing: tuple[Path, dict[str, int]]) -> None:
    landing, _ = faers_landing
    write_demo_landing(tmp_path / "again", faers_reports=FAERS_REPORTS, faers_quarters=2)
    write_demo_landing(tmp_path / "other", seed=7, faers_reports=FAERS_REPORTS, faers_quarters=1)
    zip_name = "faers/2015q1/faers_ascii_2015q1.zip"
    assert (tmp_path / "again" / zip_name).read_bytes() == (landing / zip_name).read_bytes()
    assert faers_bytes(tmp_path / "again", "2015q2") == faers_bytes(landing, "2015q2")
    assert faers_bytes(tmp_path / "other", "2015q1")["DEMO"] != faers_bytes(landing, "2015q1")["DEMO"]
    assert not (tmp_path / "other/faers/2015q2").exists()


def test_write_faers_quarter_reports_progress_and_refuses_follow_ups_of_its_own_quarter(tmp_path: Path) -> None:
    calls: list[int] = []
    rows, written = write_faers_quarter(
        tmp_path / "2016q3", 2016, 3, 25_000, random.Random(1), zipped=False, progress=calls.append
    )
    assert calls == [10_000, 20_000, 25_000]
    assert rows["DEMO"] == len(written) == 25_000
    assert (tmp_path / "2016q3/ascii/DEMO16Q3.txt").is_file()
    with pytest.raises(ValueError, match="earlier quarters"):
        write_faers_quarter(tmp_path / "again", 2016, 3, 10, random.Random(1), zipped=True, follow_ups=written[:1])


def test_vocabularies_are_package_data_listed_and_read_by_a_generator() -> None:
    """Every data file is a package resource with a header and rows, listed in data/README.md, read by name
    in a generator's source, its weights positive numbers."""
    data = files("pv_warehouse.demo") / "data"
    names = sorted(entry.name for entry in data.iterdir() if entry.name.endswith(".csv"))
    assert len(names) > 20
    readme = (data / "README.md").read_text(encoding="utf-8")
    sources = "".join((files("pv_warehouse.demo") / module).read_text(encoding="utf-8") for module in MODULES)
    for name in names:
        rows = read_rows(name)
        assert rows, name
        assert f"`{name}`" in readme, f"{name} is not listed in data/README.md"
        assert f'"{name}"' in sources, f"{name} is read by no generator"
        if "weight" in rows[0]:
            assert all(weight > 0 for _, weight in read_weights(name, next(iter(rows[0])))), name
