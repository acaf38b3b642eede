import pytest

from contracts.catalog_loader import CatalogError
from contracts.offices import Level, UnknownOffice, build_catalog, load_offices


def rec(id, level, parent=None, regime=None, name="x"):
    return {
        "id": id,
        "level": level,
        "parent": parent,
        "regime": regime,
        "name": name,
        "unit_code": None,
    }


@pytest.fixture(scope="module")
def offices():
    return load_offices()


def test_source_article_units_are_in_the_demo_data(offices):
    for commune, district, province in [
        ("Thị trấn Vàm Láng", "Huyện Gò Công Đông", "Tỉnh Tiền Giang"),
        ("Thị trấn Mỹ An", "Huyện Tháp Mười", "Tỉnh Đồng Tháp"),
        ("Xã Mỹ Đông", "Huyện Tháp Mười", "Tỉnh Đồng Tháp"),
        ("Xã Lộc Thuận", "Huyện Bình Đại", "Tỉnh Bến Tre"),
        ("Thị trấn Vị Xuyên", "Huyện Vị Xuyên", "Tỉnh Hà Giang"),
    ]:
        office = next(o for o in offices.all() if o.name == commune)
        names = [o.name for o in offices.ancestors(office.id)]
        assert names == [commune, district, province]
        assert office.regime == "2018"


def test_both_regimes_side_by_side(offices):
    two_level = [o for o in offices.all() if o.level == Level.COMMUNE and o.regime == "2025"]
    assert two_level
    for commune in two_level:
        assert offices.get(commune.parent_id).level == Level.PROVINCE
        assert commune.district_id is None
        assert offices.ancestor_at_level(commune.id, Level.DISTRICT) is None


def test_lookups(offices):
    assert offices.get("X28720").name == "Thị trấn Vàm Láng"
    assert [o.id for o in offices.children("H824")] == ["X28720", "X28702", "X28726"]
    assert offices.ancestor_at_level("X28720", Level.PROVINCE).id == "T82"
    assert offices.ancestor_at_level("X28720", Level.COMMUNE).id == "X28720"
    assert offices.is_within("X28720", "H824") and offices.is_within("X28720", "X28720")
    assert not offices.is_within("X28720", "T87")
    with pytest.raises(UnknownOffice):
        offices.get("X99999")


def test_routing_keys(offices):
    assert offices.routing_key("X28720") == "commune.T82.H824.X28720"
    assert offices.routing_key("H824") == "district.T82.H824._"
    assert offices.routing_key("T82") == "province.T82._._"
    assert offices.routing_key("X02269") == "commune.T08._.X02269"


def test_every_id_is_safe_in_codes_and_routing_keys(offices):
    for office in offices.all():
        assert office.id.isalnum() and office.id.isupper()


@pytest.mark.parametrize(
    "records, message",
    [
        ([rec("T1", "province", regime="2018"), rec("T1", "province", regime="2018")], "duplicate"),
        ([rec("T1", "province", regime="2018"), rec("H1", "district", "T9")], "unknown parent"),
        ([rec("T1", "province", regime="2018"), rec("X1", "commune", "T1")], "cannot sit under"),
        ([rec("T1", "province", regime="2025"), rec("H1", "district", "T1")], "cannot sit under"),
        ([rec("T1", "province")], "needs a regime"),
        ([rec("H1", "district")], "does not lead up to a province"),
        ([rec("T1", "province", regime="2018"), rec("T2", "province", "T1", "2018")], "cannot"),
    ],
)
def test_inconsistent_hierarchies_are_refused(records, message):
    with pytest.raises(CatalogError, match=message):
        build_catalog(records)
