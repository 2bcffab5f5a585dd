"""The team's MedDRA release as a source: `meddra/` in the landing, loaded as text with provenance, refused
whole when broken, and published as dim_meddra_terms, dim_meddra_pt_soc and dim_meddra_smq_terms.

The release is the hand-written one of tests/fixtures/meddra/ (invented codes, see its README). The landing of
this module holds three releases:
- MedDRA_27_1_English/: the extracted folder;
- MedDRA_27_1_French.zip: the zip, with its folder inside, the French files in Windows-1252 as distributed
  for Western European languages;
- MedDRA_27_0_English.zip: an older English version whose names end with " (27.0)", which 27.1 replaces.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest

from helpers import PROJECT_DIR, dbt
from pv_warehouse.core.settings import Settings
from pv_warehouse.ingest.contract import LandingError
from pv_warehouse.ingest.discovery import discover_snapshots
from pv_warehouse.ingest.load import load_landing
from pv_warehouse.ingest.meddra_releases import release_date

FIXTURES = PROJECT_DIR / "tests" / "fixtures" / "meddra"
ENGLISH = FIXTURES / "MedDRA_27_1_English"
FRENCH = FIXTURES / "MedDRA_27_1_French"
SKIN, GENERAL, IMMUNE = 10040785, 10018065, 90000003
# codes of the fixture
ERYTHEMA, RASH, RASH_PRURITIC, PRURITUS, INJECTION_SITE_ERYTHEMA = 90030001, 90030002, 90030003, 90030004, 90030005
ANGIOEDEMA, ALOPECIA = 90030007, 90030008
ITCHING, RASH_ITCHY, QUINCKE = 90040003, 90040004, 90040006
SMQ, SUB_SMQ = 90050001, 90050002


def zip_release(folder: Path, target: Path) -> None:
    """Zip a release as distributed: its folder at the root of the zip."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, path.relative_to(folder.parent).as_posix())


def older_english(work: Path) -> Path:
    """The English release as version 27.0, every name of llt.asc and mdhier.asc ending with ' (27.0)'."""
    folder = work / "MedDRA_27_0_English"
    shutil.copytree(ENGLISH, folder)
    ascii_dir = folder / "MedAscii"
    (ascii_dir / "meddra_release.asc").write_text("27.0$English$$$$\n", encoding="utf-8")
    for name, columns in (("llt.asc", (1,)), ("mdhier.asc", (4, 5, 6, 7))):
        lines = []
        for line in (ascii_dir / name).read_text(encoding="utf-8").splitlines():
            fields = line.split("$")
            for column in columns:
                fields[column] += " (27.0)"
            lines.append("$".join(fields))
        (ascii_dir / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def french_in_cp1252(work: Path) -> Path:
    folder = work / "MedDRA_27_1_French"
    shutil.copytree(FRENCH, folder)
    for path in (folder / "MedAscii").glob("*.asc"):
        path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    return folder


def write_landing(landing: Path, work: Path) -> Path:
    meddra = landing / "meddra"
    shutil.copytree(ENGLISH, meddra / ENGLISH.name)
    zip_release(french_in_cp1252(work), meddra / "MedDRA_27_1_French.zip")
    zip_release(older_english(work), meddra / "MedDRA_27_0_English.zip")
    (meddra / "README.txt").write_text("Our MedDRA releases, as the MSSO distributes them.\n", encoding="utf-8")
    return landing


def query(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "build" / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("meddra")
    settings = Settings(landing_dir=write_landing(root / "landing", root / "work"), home_dir=root / "home")
    load_landing(settings, "meddra-tests")
    return settings.home_dir


@pytest.fixture(scope="module")
def built(loaded: Path) -> Path:
    build = dbt(
        loaded,
        "build",
        "--select",
        "+dim_meddra_terms +dim_meddra_pt_soc +dim_meddra_smq_terms",
        "--exclude",
        "test_type:unit",
    )
    assert build.returncode == 0, build.stdout[-4000:]
    return loaded


def test_release_dates_follow_the_twice_yearly_calendar() -> None:
    assert str(release_date("27.0")) == "2024-03-01"
    assert str(release_date("27.1")) == "2024-09-01"
    assert str(release_date("9.0")) == "2006-03-01"


def test_each_language_is_a_source_whose_snapshots_are_its_versions(loaded: Path) -> None:
    releases = query(
        loaded,
        "select manifest.source, cast(manifest.snapshot_date as varchar), manifest.source_file, rows.version, "
        "rows.language from raw.snapshot_manifest as manifest join raw.meddra_release as rows "
        "on rows._sha256 = manifest.sha256 where manifest.raw_table = 'meddra_release' order by 1, 2",
    )
    assert releases == [
        (
            "meddra_english",
            "2024-03-01",
            "meddra/MedDRA_27_0_English.zip!MedDRA_27_0_English/MedAscii/meddra_release.asc",
            "27.0",
            "English",
        ),
        ("meddra_english", "2024-09-01", "meddra/MedDRA_27_1_English/MedAscii/meddra_release.asc", "27.1", "English"),
        (
            "meddra_french",
            "2024-09-01",
            "meddra/MedDRA_27_1_French.zip!MedDRA_27_1_French/MedAscii/meddra_release.asc",
            "27.1",
            "French",
        ),
    ]
    # 13 files a release; the code-only links are the same bytes in every language and load once
    files = query(loaded, "select source, count(*) from raw.snapshot_manifest group by 1 order by 1")
    assert files == [("meddra_english", 26), ("meddra_french", 13)]
    assert query(loaded, "select count(*), sum(rows_read) from raw.load_audit where raw_table = 'meddra_hlt_pt'") == [
        (1, 10)
    ]


def test_raw_keeps_every_field_as_distributed_with_provenance(loaded: Path) -> None:
    rows = query(
        loaded,
        "select llt_code, llt_name, pt_code, llt_currency, legacy_1, legacy_7, _row_number, _run_id "
        "from raw.meddra_llt where _source_file like '%27_1_French%' and llt_code = '90040004'",
    )
    # decoded from Windows-1252; empty legacy fields are NULL
    assert rows == [("90040004", "Éruption avec démangeaisons", "90030003", "N", None, None, 13, "meddra-tests")]


def test_the_newest_version_of_each_language_feeds_the_marts(built: Path) -> None:
    assert query(
        built, "select language, meddra_version, count(*) from marts.dim_meddra_terms group by all order by 1"
    ) == [
        ("English", "27.1", 16),
        ("French", "27.1", 16),
    ]
    assert query(built, "select count(*) from marts.dim_meddra_terms where llt_name like '%(27.0)'") == [(0,)]
    assert query(built, "select count(*) from marts.dim_meddra_pt_soc where pt_name like '%(27.0)'") == [(0,)]


def test_each_llt_carries_its_pt_and_the_pts_primary_path(built: Path) -> None:
    rows = query(
        built,
        "select llt_code, llt_name, is_current, pt_code, pt_name, hlt_name, hlgt_name, soc_code, soc_name "
        f"from marts.dim_meddra_terms where language = 'English' and llt_code in ({RASH_ITCHY}, {QUINCKE}, "
        f"{ANGIOEDEMA}, {INJECTION_SITE_ERYTHEMA}) order by llt_code",
    )
    assert rows == [
        (
            INJECTION_SITE_ERYTHEMA,
            "Injection site erythema",
            True,
            INJECTION_SITE_ERYTHEMA,
            "Injection site erythema",
            "Injection site reactions",
            "Administration site reactions",
            GENERAL,
            "General disorders and administration site conditions",
        ),
        # a multi-axial PT: its primary SOC only
        (
            ANGIOEDEMA,
            "Angioedema",
            True,
            ANGIOEDEMA,
            "Angioedema",
            "Angioedemas",
            "Epidermal and dermal conditions",
            SKIN,
            "Skin and subcutaneous tissue disorders",
        ),
        # a non-current LLT still maps to its PT
        (
            RASH_ITCHY,
            "Rash itchy",
            False,
            RASH_PRURITIC,
            "Rash pruritic",
            "Rashes, eruptions and exanthems NEC",
            "Epidermal and dermal conditions",
            SKIN,
            "Skin and subcutaneous tissue disorders",
        ),
        (
            QUINCKE,
            "Quincke's oedema",
            True,
            ANGIOEDEMA,
            "Angioedema",
            "Angioedemas",
            "Epidermal and dermal conditions",
            SKIN,
            "Skin and subcutaneous tissue disorders",
        ),
    ]
    french = query(
        built,
        "select llt_name, pt_name, soc_name from marts.dim_meddra_terms "
        f"where language = 'French' and llt_code = {QUINCKE}",
    )
    assert french == [("Œdème de Quincke", "Angio-œdème", "Affections de la peau et du tissu sous-cutané")]


def test_every_pt_soc_path_is_kept_with_its_primary_flag(built: Path) -> None:
    assert query(
        built,
        "select soc_code, soc_name, hlt_name, is_primary from marts.dim_meddra_pt_soc "
        f"where language = 'English' and pt_code = {ANGIOEDEMA} order by is_primary desc",
    ) == [
        (SKIN, "Skin and subcutaneous tissue disorders", "Angioedemas", True),
        (IMMUNE, "Immune system disorders", "Allergic conditions NEC", False),
    ]
    # nine PTs, one primary path each, and the one secondary path
    assert query(
        built,
        "select language, count(*), count(*) filter (where is_primary), count(distinct pt_code) "
        "from marts.dim_meddra_pt_soc group by 1 order by 1",
    ) == [("English", 10, 9, 9), ("French", 10, 9, 9)]


def test_smq_terms_have_their_scope_and_sub_smqs_expanded(built: Path) -> None:
    rows = query(
        built,
        "select via_smq_code, term_code, term_level, term_scope, pt_code from marts.dim_meddra_smq_terms "
        f"where language = 'English' and smq_code = {SMQ} order by via_smq_code, term_code",
    )
    assert rows == [
        (SMQ, ERYTHEMA, "PT", "broad", ERYTHEMA),
        (SMQ, RASH, "PT", "broad", RASH),
        (SMQ, RASH_PRURITIC, "PT", "narrow", RASH_PRURITIC),
        (SMQ, ANGIOEDEMA, "PT", "narrow", ANGIOEDEMA),
        # a broad LLT, with its PT
        (SMQ, ITCHING, "LLT", "broad", PRURITUS),
        # the sub-SMQ's own content, under the SMQ above it
        (SUB_SMQ, INJECTION_SITE_ERYTHEMA, "PT", "broad", INJECTION_SITE_ERYTHEMA),
        (SUB_SMQ, QUINCKE, "LLT", "narrow", ANGIOEDEMA),
    ]
    # Alopecia is an inactive term of the SMQ
    assert query(built, f"select count(*) from marts.dim_meddra_smq_terms where term_code = {ALOPECIA}") == [(0,)]
    # the sub-SMQ is a query of its own too
    assert query(
        built,
        "select smq_name, count(*) from marts.dim_meddra_smq_terms "
        f"where language = 'French' and smq_code = {SUB_SMQ} group by 1",
    ) == [("Angio-œdème (sous-SMQ de test)", 2)]


# -- refusals ---------------------------------------------------------------------------------------------


def landing_with(tmp_path: Path, change=None, *, zipped: bool = False) -> Path:
    """A landing holding the English release, changed by `change(MedAscii folder)` first."""
    work = tmp_path / "work" / ENGLISH.name
    shutil.copytree(ENGLISH, work)
    if change:
        change(work / "MedAscii")
    meddra = tmp_path / "landing" / "meddra"
    if zipped:
        zip_release(work, meddra / f"{ENGLISH.name}.zip")
    else:
        shutil.copytree(work, meddra / ENGLISH.name)
    return tmp_path / "landing"


def refusal(landing: Path, home: Path) -> str:
    with pytest.raises(LandingError) as refused:
        load_landing(Settings(landing_dir=landing, home_dir=home), "refused")
    if (home / "build" / "warehouse.duckdb").exists():
        assert query(home, "select count(*) from raw.snapshot_manifest") == [(0,)]
    return str(refused.value)


def test_a_release_without_a_required_file_is_refused_whole(tmp_path: Path) -> None:
    landing = landing_with(tmp_path, lambda ascii_dir: (ascii_dir / "pt.asc").unlink(), zipped=True)
    assert refusal(landing, tmp_path / "home") == (
        "meddra/MedDRA_27_1_English.zip/MedDRA_27_1_English/MedAscii/: pt.asc missing. A MedDRA release needs "
        "meddra_release.asc, llt.asc, pt.asc, hlt.asc, hlgt.asc, soc.asc, hlt_pt.asc, hlgt_hlt.asc, soc_hlgt.asc, "
        "mdhier.asc (the SMQ files are read when present); the whole release is refused. Deliver the release "
        "again as distributed (its zip, or the folder the zip extracts to)."
    )


def test_a_line_with_a_field_too_many_is_refused_with_its_line(tmp_path: Path) -> None:
    def stray_dollar(ascii_dir: Path) -> None:
        lines = (ascii_dir / "llt.asc").read_text(encoding="utf-8").splitlines()
        lines[2] = lines[2].replace("Rash pruritic", "Rash $pruritic")
        (ascii_dir / "llt.asc").write_text("\n".join(lines) + "\n", encoding="utf-8")

    message = refusal(landing_with(tmp_path, stray_dollar), tmp_path / "home")
    assert message.startswith(
        "meddra/MedDRA_27_1_English/MedAscii/llt.asc: line 3 does not have the 11 fields separated by '$' "
        "(and the '$' ending every line) that the file layout gives."
    )


def test_a_file_of_another_layout_is_refused_at_its_first_line(tmp_path: Path) -> None:
    def short_pt(ascii_dir: Path) -> None:
        (ascii_dir / "pt.asc").write_text("90030001$Erythema$$10040785$\n", encoding="utf-8")

    assert refusal(landing_with(tmp_path, short_pt), tmp_path / "home").startswith(
        "meddra/MedDRA_27_1_English/MedAscii/pt.asc: line 1 has 4 fields separated by '$'; pt.asc has 11 in the "
        "MedDRA layout (pt_code, pt_name, null_field, pt_soc_code, legacy_1"
    )


@pytest.mark.parametrize(
    ("release_line", "expected"),
    [
        ("English$27.1$$$$", "line 1 field 1 is 'English', not a MedDRA version (such as 27.0 or 27.1)"),
        ("27.1$$$$$", "line 1 field 2 is '', not a language name (such as English or French)"),
    ],
)
def test_the_release_file_must_name_a_version_and_a_language(tmp_path: Path, release_line: str, expected: str) -> None:
    def rewrite(ascii_dir: Path) -> None:
        (ascii_dir / "meddra_release.asc").write_text(release_line + "\n", encoding="utf-8")

    message = refusal(landing_with(tmp_path, rewrite), tmp_path / "home")
    assert message.startswith(f"meddra/MedDRA_27_1_English/MedAscii/meddra_release.asc: {expected}.")


def test_one_version_and_language_delivered_twice_is_refused(tmp_path: Path) -> None:
    landing = landing_with(tmp_path)
    zip_release(landing / "meddra" / ENGLISH.name, landing / "meddra" / "copy.zip")
    assert refusal(landing, tmp_path / "home") == (
        "meddra/copy.zip: a second delivery of the MedDRA release in "
        "meddra/copy.zip!MedDRA_27_1_English/MedAscii/meddra_release.asc (the first is "
        "meddra/MedDRA_27_1_English). Keep one of them."
    )


def test_a_folder_without_medascii_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "landing" / "meddra" / "MedDRA_27_1_English"
    folder.mkdir(parents=True)
    (folder / "readme.pdf").write_bytes(b"%PDF")
    assert refusal(tmp_path / "landing", tmp_path / "home").startswith(
        "meddra/MedDRA_27_1_English: no MedAscii/ folder with .asc files."
    )


def test_empty_files_are_valid_and_names_in_capitals_are_read(tmp_path: Path) -> None:
    def empty_smqs_and_capitals(ascii_dir: Path) -> None:
        (ascii_dir / "smq_content.asc").write_bytes(b"")
        (ascii_dir / "llt.asc").rename(ascii_dir / "LLT.ASC")

    settings = Settings(landing_dir=landing_with(tmp_path, empty_smqs_and_capitals), home_dir=tmp_path / "home")
    report = load_landing(settings, "empty")
    rows = {file.raw_table: (file.rows_read, file.status) for file in report.files}
    assert rows["meddra_smq_content"] == (0, "loaded")
    assert rows["meddra_llt"] == (16, "loaded")
    assert [s.source.name for s in discover_snapshots(settings.landing_dir)] == ["meddra_english"]
