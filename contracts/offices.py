"""Office hierarchy (commune, district, province) as data, for both the 2018 and 2025 regimes."""

from dataclasses import dataclass
from functools import cache
from typing import Any

from marshmallow import Schema, fields, validate

from contracts.catalog_loader import CatalogError, read_data
from contracts.catalog_loader import validate as load_with
from contracts.codes import OFFICE_ID_PATTERN


class Level:
    COMMUNE = "commune"
    DISTRICT = "district"
    PROVINCE = "province"


LEVELS = (Level.COMMUNE, Level.DISTRICT, Level.PROVINCE)
REGIMES = ("2018", "2025")  # three levels (Decree 61/2018) / two levels (Decree 118/2025)
_PARENT_LEVELS = {
    ("2018", Level.DISTRICT): Level.PROVINCE,
    ("2018", Level.COMMUNE): Level.DISTRICT,
    ("2025", Level.COMMUNE): Level.PROVINCE,
}


class UnknownOffice(KeyError):
    """No office has this id."""


@dataclass(frozen=True)
class Office:
    id: str
    name: str
    level: str
    parent_id: str | None
    province_id: str
    district_id: str | None
    regime: str
    unit_code: str | None = None  # the official administrative-unit code (GSO), when known


class _OfficeRecord(Schema):
    id = fields.String(required=True, validate=validate.Regexp(f"^{OFFICE_ID_PATTERN}$"))
    name = fields.String(required=True, validate=validate.Length(min=1))
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    parent = fields.String(load_default=None)
    regime = fields.String(load_default=None, validate=validate.OneOf(REGIMES))
    unit_code = fields.String(load_default=None, validate=validate.Regexp(r"^[0-9]{2,5}$"))


class _OfficesFile(Schema):
    offices = fields.List(fields.Nested(_OfficeRecord), required=True)


class OfficeCatalog:
    """The offices and their parent links; lookups by office id."""

    def __init__(self, offices: list[Office]):
        self._offices = {office.id: office for office in offices}
        self._order = tuple(offices)

    def get(self, office_id: str) -> Office:
        try:
            return self._offices[office_id]
        except KeyError:
            raise UnknownOffice(office_id) from None

    def all(self) -> tuple[Office, ...]:
        return self._order

    def children(self, office_id: str) -> list[Office]:
        self.get(office_id)
        return [office for office in self._order if office.parent_id == office_id]

    def ancestors(self, office_id: str) -> list[Office]:
        """The office itself, then its parent, up to its province."""
        chain = [self.get(office_id)]
        while chain[-1].parent_id is not None:
            chain.append(self.get(chain[-1].parent_id))
        return chain

    def ancestor_at_level(self, office_id: str, level: str) -> Office | None:
        """The office itself or its ancestor at `level`; None if the hierarchy has no such level."""
        return next((o for o in self.ancestors(office_id) if o.level == level), None)

    def is_within(self, office_id: str, ancestor_id: str) -> bool:
        return any(office.id == ancestor_id for office in self.ancestors(office_id))

    def routing_key(self, office_id: str) -> str:
        """`<level>.<province>.<district>.<commune>` of the office, `_` for missing parts."""
        office = self.get(office_id)
        commune = office.id if office.level == Level.COMMUNE else None
        parts = (office.level, office.province_id, office.district_id, commune)
        return ".".join(part or "_" for part in parts)


def build_catalog(records: list[dict[str, Any]]) -> OfficeCatalog:
    """Check the hierarchy (ids, parents, levels per regime) and resolve each office's chain."""
    by_id: dict[str, dict[str, Any]] = {}
    for record in records:
        if record["id"] in by_id:
            raise CatalogError(f"offices: duplicate office id {record['id']}")
        by_id[record["id"]] = record
    offices = [_resolve(record, by_id) for record in records]
    return OfficeCatalog(offices)


def _resolve(record: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> Office:
    chain, seen = [record], {record["id"]}
    while chain[-1]["parent"] is not None:
        parent_id = chain[-1]["parent"]
        if parent_id not in by_id:
            raise CatalogError(f"offices: {chain[-1]['id']} has unknown parent {parent_id}")
        if parent_id in seen:
            raise CatalogError(f"offices: parent cycle through {parent_id}")
        seen.add(parent_id)
        chain.append(by_id[parent_id])
    province = chain[-1]
    if province["level"] != Level.PROVINCE:
        raise CatalogError(f"offices: {record['id']} does not lead up to a province")
    regime = province["regime"]
    if regime is None:
        raise CatalogError(f"offices: province {province['id']} needs a regime {REGIMES}")
    for child, parent in zip(chain, chain[1:], strict=False):
        expected = _PARENT_LEVELS.get((regime, child["level"]))
        if parent["level"] != expected:
            raise CatalogError(
                f"offices: {child['id']} ({child['level']}) cannot sit under "
                f"{parent['id']} ({parent['level']}) in a {regime}-regime province"
            )
    if record["level"] == Level.PROVINCE and record["parent"] is not None:
        raise CatalogError(f"offices: province {record['id']} cannot have a parent")
    district = next((o["id"] for o in chain if o["level"] == Level.DISTRICT), None)
    return Office(
        id=record["id"],
        name=record["name"],
        level=record["level"],
        parent_id=record["parent"],
        province_id=province["id"],
        district_id=district,
        regime=regime,
        unit_code=record["unit_code"],
    )


@cache
def load_offices() -> OfficeCatalog:
    """The demo office catalog from contracts/data/offices.yaml, validated, read once."""
    data = load_with(_OfficesFile(), read_data("offices.yaml"), "offices.yaml")
    return build_catalog(data["offices"])
