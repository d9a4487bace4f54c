"""Behaviour of the administrative-area reference data, demo villages and branch coverage."""

from __future__ import annotations

import gzip
import tarfile
from pathlib import Path

import pytest

from jangkau_registration.reference.demo import (
    DEMO_VILLAGES,
    DENPASAR_PILOT_VILLAGES,
    JAMBI_LAUNCH_VILLAGES,
    SESETAN,
    DemoVillage,
)
from jangkau_shared.places import build
from jangkau_shared.places.areas import (
    Area,
    AreaIndex,
    default_index,
    level_of,
    load_areas,
    normalize_code,
    province_code_set,
    province_of,
    regency_of,
    village_kind,
)
from jangkau_shared.places.branches import (
    branch_by_code,
    branch_for_regency,
    branch_for_village,
    load_branches,
    parse_branches,
)

BANTEN = "36"


@pytest.fixture(scope="module")
def index() -> AreaIndex:
    """The process-wide index over the packaged data."""
    return default_index()


def test_counts_per_level_are_plausible_for_the_whole_country(index: AreaIndex) -> None:
    counts = index.counts()
    assert 34 <= counts["province"] <= 38
    assert 500 <= counts["regency"] <= 530
    assert 7_000 <= counts["district"] <= 7_500
    assert 80_000 <= counts["village"] <= 90_000


def test_every_area_sits_under_an_existing_parent_of_the_level_above(index: AreaIndex) -> None:
    above = {"regency": "province", "district": "regency", "village": "district"}
    for area in load_areas():
        if area.level == "province":
            assert area.parent is None
            continue
        assert area.parent is not None
        parent = index.get(area.parent)
        assert parent is not None
        assert parent.level == above[area.level]
        assert area.code.startswith(parent.code + ".")


def test_a_village_is_found_by_its_dotted_or_undotted_code(index: AreaIndex) -> None:
    dotted = index.get("51.71.01.1003")
    assert dotted == Area("51.71.01.1003", "Sesetan", "village", "51.71.01")
    assert index.get("5171011003") == dotted
    assert index.get(" 5171011003 ") == dotted
    assert "5171011003" in index


def test_unknown_or_malformed_codes_give_none_rather_than_an_error(index: AreaIndex) -> None:
    assert index.get("99.99.99.9999") is None
    assert index.get("51.7") is None
    assert index.get("abc") is None
    assert index.get("") is None
    assert "51.71.01.9999" not in index


def test_codes_are_normalised_to_the_dotted_kemendagri_form() -> None:
    assert normalize_code("5171011001") == "51.71.01.1001"
    assert normalize_code("517101") == "51.71.01"
    assert normalize_code("51.71") == "51.71"
    assert level_of("5171") == "regency"
    with pytest.raises(ValueError, match="not a Kemendagri area code"):
        normalize_code("51710")


def test_province_and_regency_are_read_from_the_code_itself() -> None:
    assert province_of("5171011001") == "51"
    assert regency_of("5171011001") == "51.71"
    assert regency_of("51.71.01") == "51.71"
    with pytest.raises(ValueError, match="no regency"):
        regency_of("51")


def test_is_village_is_true_only_for_known_villages(index: AreaIndex) -> None:
    assert index.is_village("5171011003")
    assert not index.is_village("51.71.01")
    assert not index.is_village("51.71.01.9999")


def test_province_codes_are_two_digit_strings_that_a_nik_can_start_with(
    index: AreaIndex,
) -> None:
    codes = province_code_set()
    assert codes == index.province_codes()
    assert {"11", "31", "36", "51", "96"} <= codes
    assert all(len(code) == 2 and code.isdigit() for code in codes)
    assert "5171014108900001"[:2] in codes
    assert "00" not in codes


def test_parents_walk_from_the_province_down_to_the_village(index: AreaIndex) -> None:
    names = [area.name for area in index.parents("5171011003")]
    assert names == ["Bali", "Kota Denpasar", "Denpasar Selatan", "Sesetan"]


def test_banten_has_eight_regencies_and_1238_desa(index: AreaIndex) -> None:
    regencies = index.children(BANTEN)
    assert len(regencies) == 8
    villages = [area for area in index.by_level("village") if area.code.startswith("36.")]
    assert sum(village_kind(area.code) == "desa" for area in villages) == 1238


@pytest.mark.parametrize("village", DEMO_VILLAGES, ids=lambda village: village.name)
def test_each_demo_village_resolves_to_its_name_district_and_regency(
    index: AreaIndex, village: DemoVillage
) -> None:
    chain = index.parents(village.code)
    assert [area.level for area in chain] == ["province", "regency", "district", "village"]
    _, regency, district, found = chain
    assert found.name == village.name
    assert district.name == village.district
    assert regency.name == village.regency


def test_sesetan_is_a_kelurahan_and_the_other_denpasar_pilots_are_desa() -> None:
    kinds = {village.name: village_kind(village.code) for village in DENPASAR_PILOT_VILLAGES}
    assert kinds == {"Sesetan": "kelurahan", "Ubung Kaja": "desa", "Dangin Puri Kangin": "desa"}


def test_every_branch_serves_and_sits_in_existing_regencies(index: AreaIndex) -> None:
    for branch in load_branches():
        for regency in (*branch.regencies, branch.seat):
            area = index.get(regency)
            assert area is not None, (branch.code, regency)
            assert area.level == "regency"


def test_each_regency_is_served_by_at_most_one_branch() -> None:
    served = [regency for branch in load_branches() for regency in branch.regencies]
    assert len(served) == len(set(served))


def test_banten_has_fourteen_offices_covering_all_its_regencies(index: AreaIndex) -> None:
    banten = [branch for branch in load_branches() if branch.kanwil == "Kanwil Banten"]
    assert len(banten) == 14
    assert sum(branch.kind == "KC" for branch in banten) == 8
    for regency in index.children(BANTEN):
        branch = branch_for_regency(regency.code)
        assert branch is not None
        assert branch.kanwil == "Kanwil Banten"


def test_a_sub_branch_serves_through_its_parent_branch_in_its_own_area() -> None:
    for branch in load_branches():
        if branch.kind == "KCP":
            assert branch.regencies == ()
            parent = branch_by_code(branch.parent or "")
            assert parent is not None
            assert parent.kind == "KC"
            assert branch_for_regency(branch.seat) == parent


def test_a_configuration_serving_one_regency_from_two_branches_is_rejected() -> None:
    config = """
[branch.a]
name = "A"
kanwil = "K"
kind = "KC"
seat = "51.71"
regencies = ["51.71"]

[branch.b]
name = "B"
kanwil = "K"
kind = "KC"
seat = "51.03"
regencies = ["5171", "51.03"]
"""
    with pytest.raises(ValueError, match="served twice"):
        parse_branches(config)


def test_a_sub_branch_without_a_parent_branch_is_rejected() -> None:
    config = '[branch.x]\nname = "X"\nkanwil = "K"\nkind = "KCP"\nseat = "36.01"\n'
    with pytest.raises(ValueError, match="needs a parent KC"):
        parse_branches(config)


def test_a_village_maps_to_the_branch_serving_its_regency() -> None:
    assert branch_for_village(SESETAN.code) == branch_by_code("denpasar")
    assert branch_for_village("5171011003") == branch_by_code("denpasar")
    for village in JAMBI_LAUNCH_VILLAGES:
        branch = branch_for_village(village.code)
        assert branch is not None
        assert branch.code == "jambi"
    makassar = branch_for_village("73.71.01.1001")
    assert makassar is not None
    assert makassar.code == "makassar"


def test_a_village_outside_any_configured_branch_or_malformed_maps_to_none() -> None:
    assert branch_for_village("51.04.01.2001") is None  # Gianyar: not in the demo config
    assert branch_for_village("not-a-code") is None


def test_the_denpasar_branch_serves_the_five_regencies_of_the_report(index: AreaIndex) -> None:
    branch = branch_by_code("denpasar")
    assert branch is not None
    names = {index.name_of(code) for code in branch.regencies}
    assert names == {
        "Kota Denpasar",
        "Kabupaten Badung",
        "Kabupaten Tabanan",
        "Kabupaten Jembrana",
        "Kabupaten Buleleng",
    }


def test_build_turns_a_package_folder_into_a_sorted_gzip_csv(tmp_path: Path) -> None:
    data = tmp_path / "package" / "data"
    data.mkdir(parents=True)
    (data / "provinces.csv").write_text("code,name\n51,Bali\n", encoding="utf-8")
    (data / "regencies.csv").write_text("code,province_code,name\n51.71,51,Kota Denpasar\n", encoding="utf-8")
    (data / "districts.csv").write_text(
        "code,regency_code,name\n51.71.01,51.71,Denpasar  Selatan\n", encoding="utf-8"
    )
    (data / "villages.csv").write_text(
        'code,district_code,name\n51.71.01.1003,51.71.01,Sesetan\n51.71.01.1001,51.71.01,"A,B"\n',
        encoding="utf-8",
    )
    out = tmp_path / "areas.csv.gz"
    assert build.main(["--from", str(tmp_path), "--out", str(out)]) == 0
    lines = gzip.decompress(out.read_bytes()).decode("utf-8").splitlines()
    assert lines == [
        "code,level,name,parent",
        "51,province,Bali,",
        "51.71,regency,Kota Denpasar,51",
        "51.71.01,district,Denpasar Selatan,51.71",
        '51.71.01.1001,village,"A,B",51.71.01',
        "51.71.01.1003,village,Sesetan,51.71.01",
    ]


def test_build_reads_an_npm_pack_tarball(tmp_path: Path) -> None:
    data = tmp_path / "package" / "data"
    data.mkdir(parents=True)
    (data / "provinces.csv").write_text("code,name\n36,Banten\n", encoding="utf-8")
    for name, header in [
        ("regencies.csv", "code,province_code,name"),
        ("districts.csv", "code,regency_code,name"),
        ("villages.csv", "code,district_code,name"),
    ]:
        (data / name).write_text(header + "\n", encoding="utf-8")
    tarball = tmp_path / "idn-area-data-0.0.0.tgz"
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(tmp_path / "package", arcname="package")
    out = tmp_path / "areas.csv.gz"
    assert build.main(["--from", str(tarball), "--out", str(out)]) == 0
    assert gzip.decompress(out.read_bytes()).decode("utf-8").splitlines()[1] == "36,province,Banten,"


def test_build_rejects_a_village_whose_district_is_missing(tmp_path: Path) -> None:
    (tmp_path / "provinces.csv").write_text("code,name\n51,Bali\n", encoding="utf-8")
    (tmp_path / "regencies.csv").write_text("code,province_code,name\n", encoding="utf-8")
    (tmp_path / "districts.csv").write_text("code,regency_code,name\n", encoding="utf-8")
    (tmp_path / "villages.csv").write_text(
        "code,district_code,name\n51.71.01.1003,51.71.01,Sesetan\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match="parent is missing"):
        build.collect(tmp_path)


def test_the_nik_rule_knows_exactly_the_provinces_of_the_reference_data() -> None:
    from jangkau_registration.domain.nik import PROVINCE_CODES

    assert province_code_set() == PROVINCE_CODES
