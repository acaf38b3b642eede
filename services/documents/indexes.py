"""The documents service's read view (services/common/keys.py): a dossier's record by the keyed
hash of its applicant's ID number, so the re-use offers of an applicant are one `_id` range."""

from services.common.repository import Views

BY_APPLICANT = "documents_by_applicant"


def entries(record: dict) -> dict[str, dict[str, dict]]:
    key = record.get("applicant_key")
    return {BY_APPLICANT: {f"{key}|{record['_id']}": {}} if key else {}}


VIEWS = Views((BY_APPLICANT,), entries)
