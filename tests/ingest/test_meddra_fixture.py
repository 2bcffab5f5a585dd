"""The hand-written MedDRA releases of tests/fixtures/meddra keep to the distribution's layout
(docs of the layout: field counts, the trailing `$`, one primary path per PT) and hold each case the MedDRA
rules are tested on. The field counts are written out here from the layout, not read from the loader."""

from __future__ import annotations

import pytest

from helpers import PROJECT_DIR

RELEASES = PROJECT_DIR / "tests" / "fixtures" / "meddra"
# fields of each file before the trailing `$`, legacy fields included
FIELDS = {
    "llt.asc": 11,
    "pt.asc": 11,
    "hlt.asc": 9,
    "hlgt.asc": 9,
    "soc.asc": 10,
    "hlt_pt.asc": 2,
    "hlgt_hlt.asc": 2,
    "soc_hlgt.asc": 2,
    "mdhier.asc": 12,
    "intl_ord.asc": 2,
    "smq_list.asc": 9,
    "smq_content.asc": 9,
}
LANGUAGES = ("English", "French")


def rows(language: str, name: str) -> list[list[str]]:
    text = (RELEASES / f"MedDRA_27_1_{language}" / "MedAscii" / name).read_text(encoding="utf-8")
    lines = text.splitlines()
    assert all(line.endswith("$") for line in lines), name
    return [line.split("$")[:-1] for line in lines]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_file_has_the_layout_s_fields_and_the_release_names_its_version(language: str) -> None:
    for name, count in FIELDS.items():
        assert {len(row) for row in rows(language, name)} == {count}, name
    (release,) = rows(language, "meddra_release.asc")
    assert release[:2] == ["27.1", language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_hierarchy_has_one_primary_path_per_pt_and_every_pt_is_its_own_llt(language: str) -> None:
    pts = {row[0]: row for row in rows(language, "pt.asc")}
    llts = {row[0]: row for row in rows(language, "llt.asc")}
    hier = rows(language, "mdhier.asc")
    assert len(pts) == 9
    assert all(llts[code][2] == code and llts[code][1] == pt[1] for code, pt in pts.items())
    primary = {row[0]: row[3] for row in hier if row[11] == "Y"}
    assert sorted(primary) == sorted(pts) and len([row for row in hier if row[11] == "Y"]) == len(pts)
    # pt.asc's primary SOC is the primary path's, on every path of the PT
    assert all(pts[code][3] == soc for code, soc in primary.items())
    assert all(row[10] == primary[row[0]] for row in hier)
    # every path is made of the links hlt_pt, hlgt_hlt and soc_hlgt give
    links = {tuple(row) for name in ("hlt_pt.asc", "hlgt_hlt.asc", "soc_hlgt.asc") for row in rows(language, name)}
    assert all({(h, p), (g, h), (s, g)} <= links for p, h, g, s, *_ in hier)
    # non-current LLTs still map to a PT
    assert [row[1] for row in llts.values() if row[9] == "N"] == (
        ["Rash itchy"] if language == "English" else ["Éruption avec démangeaisons"]
    )
    assert all(row[2] in pts for row in llts.values())


def test_angioedema_is_multi_axial_and_injection_site_reactions_sit_under_general_disorders() -> None:
    hier = rows("English", "mdhier.asc")
    angioedema = sorted((row[7], row[11]) for row in hier if row[4] == "Angioedema")
    assert angioedema == [("Immune system disorders", "N"), ("Skin and subcutaneous tissue disorders", "Y")]
    injection_site = {row[4] for row in hier if row[5] == "Injection site reactions"}
    assert injection_site == {"Injection site erythema", "Injection site reaction"}
    assert {row[3] for row in hier if row[5] == "Injection site reactions"} == {"10018065"}


def test_the_smq_has_narrow_broad_inactive_terms_and_a_sub_smq() -> None:
    smqs = {row[0]: row for row in rows("English", "smq_list.asc")}
    top, sub = "90050001", "90050002"
    assert (smqs[top][2], smqs[sub][2]) == ("1", "2")
    # (term level, scope, status) of each term: level 4 PT, 5 LLT, 0 sub-SMQ; scope 1 broad, 2 narrow
    content: dict[str, list[tuple[str, str, str]]] = {top: [], sub: []}
    for row in rows("English", "smq_content.asc"):
        content[row[0]].append((row[2], row[3], row[6]))
    assert sorted(content[top]) == [
        ("0", "0", "A"),  # the sub-SMQ
        ("4", "1", "A"),
        ("4", "1", "A"),
        ("4", "1", "I"),  # an inactive broad PT
        ("4", "2", "A"),
        ("4", "2", "A"),
        ("5", "1", "A"),  # a broad LLT
    ]
    assert sorted(content[sub]) == [("4", "1", "A"), ("5", "2", "A")]


def test_both_languages_share_every_code() -> None:
    for name in FIELDS:
        english, french = rows("English", name), rows("French", name)
        assert [row[0] for row in english] == [row[0] for row in french], name
