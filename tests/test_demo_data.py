"""Demo extracts: the landing format to the letter, deterministic for a seed, scalable."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pv_warehouse.demo_data import naranjo_total, write_demo_landing
from pv_warehouse.landing import discover_snapshots, inspect

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


def digests(landing: Path) -> dict[str, str]:
    return {name: hashlib.sha256((landing / name).read_bytes()).hexdigest() for name in FILES}


def test_every_file_meets_the_landing_contract(demo_landing: Path) -> None:
    snapshots = discover_snapshots(demo_landing)
    assert [(s.source.name, str(s.snapshot_date)) for s in snapshots] == [
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
    base = write_demo_landing(tmp_path / "one")
    scaled = write_demo_landing(tmp_path / "three", scale=3)
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
