"""Who may read what: an officer reads the dossiers of their own office (the counter that
received it, or an office on its route); a leader also reads every office within theirs (a
province's leaders read their province). Acting is decided by routing (403 not_your_office)."""

import re

from contracts.codes import OFFICE_ID_PATTERN
from contracts.lifecycle import LEADER
from contracts.offices import OfficeCatalog, UnknownOffice
from services.common.web import ApiError


def _dossier_offices(dossier: dict) -> set[str]:
    return {dossier["receiving_office_id"], dossier["office_id"]} | {
        step["office_id"] for step in dossier.get("route", [])
    }


def receipt_offices(receipt: dict) -> dict:
    """The offices of a receipt whose dossier routing has not taken in yet, as a dossier names
    them: the receiving counter and its route."""
    office = receipt["office_id"]
    return {"receiving_office_id": office, "office_id": office, "route": receipt.get("route", [])}


def _leads(officer: dict, office_id: str, offices: OfficeCatalog) -> bool:
    try:
        return officer["role"] == LEADER and offices.is_within(office_id, officer["office_id"])
    except UnknownOffice:
        return False


def may_read_dossier(officer: dict, dossier: dict, offices: OfficeCatalog) -> bool:
    involved = _dossier_offices(dossier)
    if officer["office_id"] in involved:
        return True
    return any(_leads(officer, office_id, offices) for office_id in involved)


def check_dossier(officer: dict, dossier: dict, offices: OfficeCatalog) -> None:
    """ApiError 403 unless the officer may read this dossier."""
    if not may_read_dossier(officer, dossier, offices):
        raise ApiError(403, "not_your_office", "this dossier is not at your office")


def check_office(officer: dict, office_id: str, offices: OfficeCatalog):
    """The office, if the officer works there or leads an office above it; else 404/403."""
    if not re.fullmatch(OFFICE_ID_PATTERN, office_id):  # checked before any lookup
        raise ApiError(404, "unknown_office", "no office with that id")
    try:
        office = offices.get(office_id)
    except UnknownOffice:
        raise ApiError(404, "unknown_office", "no office with that id") from None
    if officer["office_id"] != office.id and not _leads(officer, office.id, offices):
        raise ApiError(403, "not_your_office", "you may read your own office only")
    return office
