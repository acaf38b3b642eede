"""The digitisation of a dossier's parts as plain functions: the keyed hash that matches an
applicant across dossiers without keeping their ID number, each part's status (not digitised,
digitised, re-used from an earlier part or result), what the state already holds of an applicant
to offer for re-use, and whether a re-use is allowed. No I/O."""

import hashlib
import hmac
from datetime import datetime
from typing import Any

from contracts import documents as doc
from contracts.errors import IllegalAction, InvalidInput, NotFoundError


def applicant_key(secret: str, id_number: str | None) -> str | None:
    """HMAC-SHA256 of the ID number under the service's secret (DOCUMENTS_ID_KEY): the same
    citizen gives the same key, and the key gives nothing back without the secret."""
    if not id_number:
        return None
    return hmac.new(secret.encode(), id_number.encode(), hashlib.sha256).hexdigest()


def new_record(code: str, now: datetime) -> dict[str, Any]:
    """A dossier's documents before anything is known of it (the receipt or a file may come
    first)."""
    return {
        "_id": code,
        "office_id": None,
        "applicant_key": None,
        "documents": [],  # the parts the dossier was received with: [{id, name, count}]
        "parts": [],  # each file of a part, in order: status, file, source, at, uploaded_by
        "result": None,
        "created_at": now,
    }


def from_receipt(received: dict[str, Any], key: str | None, names: dict[str, str]) -> dict:
    """The fields dossier_received gives a record: its counter, its parts, the applicant key."""
    return {
        "office_id": received["office_id"],
        "applicant_key": key,
        "documents": [
            {"id": d["id"], "name": names.get(d["id"], d["id"]), "count": d["count"]}
            for d in received["documents"]
        ],
    }


def part_entry(
    document_id: str,
    file: dict[str, Any],
    now: datetime,
    uploaded_by: str,
    source: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One file of a part: digitised here, or re-used with where it came from."""
    status = doc.DIGITISED
    if source:
        from_result = source["document_id"] == doc.RESULT
        status = doc.REUSED_FROM_RESULT if from_result else doc.REUSED_FROM_PART
    return {
        "document_id": document_id,
        "status": status,
        "file": file,
        "source": source,
        "at": now,
        "uploaded_by": uploaded_by,
    }


def has_file(record: dict[str, Any], document_id: str, file_id: str) -> bool:
    """Whether that file is recorded for that part already (a repeated request adds nothing)."""
    return any(
        e["document_id"] == document_id and e["file"]["file_id"] == file_id for e in record["parts"]
    )


def parts_view(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Each part of the dossier with its digitisation status (the last file's) and its files;
    a file given for a part the dossier was not received with is listed as well."""
    names = {d["id"]: d["name"] for d in record["documents"]}
    files: dict[str, list[dict[str, Any]]] = {}
    for entry in record["parts"]:
        files.setdefault(entry["document_id"], []).append(entry)
    ids = [d["id"] for d in record["documents"]] + [i for i in files if i not in names]
    return [
        {
            "document_id": i,
            "name": names.get(i, i),
            "status": files[i][-1]["status"] if i in files else doc.NOT_DIGITISED,
            "files": files.get(i, []),
        }
        for i in ids
    ]


def file_ids(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every file of the dossier by id: its parts' and its result's."""
    found = {entry["file"]["file_id"]: entry["file"] for entry in record["parts"]}
    if record.get("result"):
        found[record["result"]["file_id"]] = record["result"]
    return found


def stored_bytes(record: dict[str, Any]) -> int:
    """What the dossier's own files weigh (re-used ones count once, at their first dossier)."""
    return sum(e["file"]["size"] for e in record["parts"] if not e["source"])


def offers(records: list[dict[str, Any]], exclude: str) -> list[dict[str, Any]]:
    """What the state holds of an applicant, from their earlier dossiers: each part's last file
    and each electronic result, newest dossier first, never the dossier being received."""
    found: list[dict[str, Any]] = []
    for record in sorted(records, key=lambda r: r["_id"], reverse=True):
        if record["_id"] == exclude:
            continue
        if record.get("result"):
            found.append(_offer(record["_id"], doc.RESULT, "Kết quả", record["result"]))
        for part in parts_view(record):
            if part["files"]:
                found.append(
                    _offer(record["_id"], part["document_id"], part["name"], part["files"][-1])
                )
    return found


def _offer(code: str, document_id: str, name: str, entry: dict[str, Any]) -> dict[str, Any]:
    file = entry.get("file", entry)
    return {
        "code": code,
        "document_id": document_id,
        "name": name,
        "content_type": file["content_type"],
        "size": file["size"],
        "sha256": file["sha256"],
    }


def reuse(
    target: dict[str, Any], source: dict[str, Any], source_document_id: str
) -> dict[str, Any]:
    """The file a target dossier may take from a source dossier: only between dossiers of the
    same applicant (their keyed hashes match), only a part that has a file, or the result."""
    if not target.get("applicant_key"):
        raise IllegalAction(
            "no_applicant_id", "the dossier has no applicant ID number to match earlier ones by"
        )
    if source.get("applicant_key") != target["applicant_key"] or source["_id"] == target["_id"]:
        raise NotFoundError("no_such_source", "no earlier dossier of this applicant with that code")
    if source_document_id == doc.RESULT:
        if not source.get("result"):
            raise InvalidInput("source_not_digitised", "that dossier has no electronic result")
        return dict(source["result"])
    entries = [e for e in source["parts"] if e["document_id"] == source_document_id]
    if not entries:
        raise InvalidInput("source_not_digitised", "that part of the dossier has no file")
    return dict(entries[-1]["file"])


def result_allowed(record: dict[str, Any]) -> None:
    """An electronic result replaces none: once issued it stays (a correction is a new dossier)."""
    if record.get("result"):
        raise IllegalAction("result_already_issued", "the result was issued electronically already")


def figures(records: list[dict[str, Any]]) -> dict[str, int]:
    """What a counter's dossiers of a period hold as files, for the Decision 766 scorecard: the
    parts they were received with, those digitised (a file scanned or uploaded, or re-used from
    an earlier dossier's part or result), those re-used, and the results issued as files."""
    received = digitised = reused = results = 0
    for record in records:
        wanted = {d["id"] for d in record["documents"]}
        for part in parts_view(record):
            if part["document_id"] not in wanted:
                continue
            received += 1
            digitised += part["status"] != doc.NOT_DIGITISED
            reused += part["status"] in (doc.REUSED_FROM_PART, doc.REUSED_FROM_RESULT)
        results += bool(record.get("result"))
    return {
        "dossiers": len(records),
        "parts_received": received,
        "parts_digitised": digitised,
        "parts_reused": reused,
        "results_electronic": results,
    }
