import copy

import pytest

from contracts.catalog_loader import CatalogError, read_data
from contracts.procedure_loader import build_catalog
from contracts.procedures import HOURS, UnknownProcedure, load_procedures, missing_documents


@pytest.fixture(scope="module")
def catalog():
    return load_procedures()


def test_demo_catalog_size_and_fields(catalog):
    assert len(catalog.all()) >= 25
    assert len({p.field for p in catalog.all()}) >= 8


def test_weights_carry_the_vam_lang_mix(catalog):
    weights = catalog.weights()
    assert sum(weights.values()) == pytest.approx(1)
    by_scope = {}
    for p in catalog.all():
        by_scope[p.scope] = by_scope.get(p.scope, 0) + weights[p.code]
    expected = {"commune": 119, "district": 15, "province": 47, "common": 11}
    for scope, count in expected.items():
        assert by_scope[scope] == pytest.approx(count / 192)


def test_every_route_shape_is_present(catalog):
    shapes = {tuple(s.level for s in p.route) for p in catalog.all()}
    assert {
        ("commune",),
        ("commune", "district"),
        ("commune", "province"),
        ("commune", "district", "province"),
        ("any",),
    } <= shapes


def test_hour_based_and_same_day_procedures_exist(catalog):
    assert any(s.duration.unit == HOURS for p in catalog.all() for s in p.route)
    assert any(p.same_day for p in catalog.all())


def test_get_and_unknown(catalog):
    assert catalog.get("HT-01").name == "Đăng ký khai sinh"
    with pytest.raises(UnknownProcedure):
        catalog.get("NOPE-01")


def test_missing_documents(catalog):
    building = catalog.get("XD-01")
    assert [d.id for d in missing_documents(building, {})] == [d.id for d in building.documents]
    provided = {"don_xin_phep_xd": 1, "giay_to_dat": 1, "ban_ve_thiet_ke": 1}
    assert [d.id for d in missing_documents(building, provided)] == ["ban_ve_thiet_ke"]
    provided["ban_ve_thiet_ke"] = 2
    assert missing_documents(building, provided) == []


def _data():
    return copy.deepcopy(read_data("procedures.yaml"))


def _first(data, code):
    return next(p for p in data["procedures"] if p["code"] == code)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["procedures"].append(_first(d, "HT-01")), "duplicate"),
        (lambda d: _first(d, "XH-01")["route"].reverse(), "must climb"),
        (lambda d: _first(d, "XH-01").update(scope="province"), "must climb"),
        (lambda d: _first(d, "CT-01").update(route=[{"level": "commune", "days": 0}]), "any"),
        (lambda d: _first(d, "HT-03").update(route=[{"level": "commune", "days": 0}]), "same_day"),
        (lambda d: _first(d, "HT-01").update(route=[{"level": "commune", "days": 2}]), "0-dur"),
        (lambda d: _first(d, "XH-01")["route"][0].update(hours=3), "exactly one"),
        (lambda d: _first(d, "XH-01")["route"][0].update(hours=None), "hours"),
        (lambda d: _first(d, "TP-02").update(scope="galaxy"), "scope"),
        (lambda d: _first(d, "HT-01")["documents"][0].update(form="photo"), "form"),
    ],
)
def test_bad_catalogs_are_refused(change, message):
    from contracts.catalog_loader import validate
    from contracts.procedure_loader import _ProceduresFile

    data = _data()
    change(data)
    with pytest.raises(CatalogError, match=message):
        build_catalog(validate(_ProceduresFile(), data, "procedures.yaml"))
