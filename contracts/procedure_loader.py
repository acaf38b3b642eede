"""Validate procedures.yaml and turn it into a ProcedureCatalog (weights, route rules)."""

from typing import Any

from marshmallow import Schema, fields, validate

from contracts.catalog_loader import CatalogError, read_data
from contracts.catalog_loader import validate as load_with
from contracts.offices import LEVELS
from contracts.procedures import (
    ANY_LEVEL,
    DAYS,
    FORMS,
    HOURS,
    SCOPES,
    Duration,
    Procedure,
    ProcedureCatalog,
    RequiredDocument,
    Step,
)


class _StepRecord(Schema):
    level = fields.String(required=True, validate=validate.OneOf((*LEVELS, ANY_LEVEL)))
    days = fields.Integer(validate=validate.Range(min=0))
    hours = fields.Integer(validate=validate.Range(min=0))


class _DocumentRecord(Schema):
    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9_]+$"))
    name = fields.String(required=True)
    form = fields.String(required=True, validate=validate.OneOf(FORMS))
    count = fields.Integer(load_default=1, validate=validate.Range(min=1))


class _ProcedureRecord(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{2,6}-[0-9]{2}$"))
    name = fields.String(required=True)
    field = fields.String(required=True)
    scope = fields.String(required=True, validate=validate.OneOf(SCOPES))
    route = fields.List(fields.Nested(_StepRecord), required=True)
    fee_vnd = fields.Integer(required=True, validate=validate.Range(min=0))
    documents = fields.List(fields.Nested(_DocumentRecord), required=True)
    postal_return = fields.Boolean(required=True)
    same_day = fields.Boolean(load_default=False)
    # a tax or levy may be assessed during processing (status 6): land dossiers, above all
    financial_obligation = fields.Boolean(load_default=False)
    share = fields.Float(load_default=1.0, validate=validate.Range(min=0, min_inclusive=False))


class _ProceduresFile(Schema):
    scope_weights = fields.Dict(
        keys=fields.String(validate=validate.OneOf(SCOPES)),
        values=fields.Float(validate=validate.Range(min=0)),
    )
    procedures = fields.List(fields.Nested(_ProcedureRecord), required=True)


def build_catalog(data: dict[str, Any]) -> ProcedureCatalog:
    records = data["procedures"]
    codes = [r["code"] for r in records]
    if dupes := sorted({c for c in codes if codes.count(c) > 1}):
        raise CatalogError(f"procedures: duplicate codes {dupes}")
    scope_weights = data.get("scope_weights") or {s: 1.0 for s in SCOPES}
    total = sum(scope_weights.get(s, 0) for s in {r["scope"] for r in records})
    if total <= 0:
        raise CatalogError("procedures: scope_weights give no weight to any listed scope")
    shares = {s: sum(r["share"] for r in records if r["scope"] == s) for s in SCOPES}
    procedures = []
    for r in records:
        weight = scope_weights.get(r["scope"], 0) / total * r["share"] / shares[r["scope"]]
        procedures.append(_procedure(r, weight))
    return ProcedureCatalog(procedures)


def _procedure(r: dict[str, Any], weight: float) -> Procedure:
    route = tuple(_step(r["code"], s) for s in r["route"])
    _check_route(r, route)
    docs = tuple(RequiredDocument(**d) for d in r["documents"])
    if len({d.id for d in docs}) != len(docs):
        raise CatalogError(f"procedures: {r['code']} lists a document id twice")
    keep = (
        "code", "name", "field", "scope", "fee_vnd", "postal_return", "same_day",
        "financial_obligation",
    )  # fmt: skip
    return Procedure(**{k: r[k] for k in keep}, route=route, documents=docs, weight=weight)


def _step(code: str, record: dict[str, Any]) -> Step:
    units = [u for u in (DAYS, HOURS) if u in record]
    if len(units) != 1:
        raise CatalogError(f"procedures: {code} step needs exactly one of days/hours")
    return Step(record["level"], Duration(record[units[0]], units[0]))


def _check_route(r: dict[str, Any], route: tuple[Step, ...]) -> None:
    code, scope, levels = r["code"], r["scope"], [s.level for s in route]
    if not route:
        raise CatalogError(f"procedures: {code} has an empty route")
    if scope == "common":
        if levels != [ANY_LEVEL]:
            raise CatalogError(f"procedures: common {code} needs one step at level {ANY_LEVEL}")
    elif (
        levels[0] != LEVELS[0] or levels[-1] != scope or levels != sorted(levels, key=LEVELS.index)
    ):
        raise CatalogError(f"procedures: {code} route {levels} must climb from commune to {scope}")
    elif len(set(levels)) != len(levels):
        raise CatalogError(f"procedures: {code} route repeats a level")
    if len({s.duration.unit for s in route}) != 1:
        raise CatalogError(f"procedures: {code} mixes days and hours in one route")
    if r["same_day"] and any(s.duration.amount for s in route):
        raise CatalogError(f"procedures: same-day {code} must have 0-duration steps")
    if not r["same_day"] and route[-1].duration.amount == 0:
        raise CatalogError(f"procedures: {code} is decided in no time; mark it same_day")


def read_catalog(filename: str) -> ProcedureCatalog:
    return build_catalog(load_with(_ProceduresFile(), read_data(filename), filename))
