import copy

import pytest

from contracts.catalog_loader import CatalogError, read_data
from contracts.procedure_loader import build_catalog
from contracts.procedures import (
    DAYS,
    HOURS,
    Duration,
    UnknownProcedure,
    load_procedures,
    missing_documents,
)


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


def test_every_catalog_procedure_counts_in_days_as_its_legal_text_does(catalog):
    # HKD-01 (Decree 01/2021 art. 88: 3 working days) and CT-03 (Decree 23/2015 art. 7: 2
    # working days) were once encoded in hours; no procedure of the catalog is hour-based now
    assert all(s.duration.unit == DAYS for p in catalog.all() for s in p.route)
    assert [(s.level, s.duration) for s in catalog.get("HKD-01").route] == [
        ("commune", Duration(0, DAYS)),
        ("district", Duration(3, DAYS)),
    ]
    assert [(s.level, s.duration) for s in catalog.get("CT-03").route] == [
        ("any", Duration(2, DAYS))
    ]
    assert any(p.same_day for p in catalog.all())


def test_the_loader_still_reads_an_hour_based_procedure():
    from contracts.catalog_loader import validate
    from contracts.procedure_loader import _ProceduresFile

    data = _data()
    _first(data, "HKD-01")["route"] = [
        {"level": "commune", "hours": 0},
        {"level": "district", "hours": 24},
    ]
    built = build_catalog(validate(_ProceduresFile(), data, "procedures.yaml"))
    assert [s.duration for s in built.get("HKD-01").route] == [
        Duration(0, HOURS),
        Duration(24, HOURS),
    ]


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
