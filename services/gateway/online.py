"""Online public services (issue 20) at the HTTP edge: a citizen files a dossier online with its
documents as files, after proving their phone by an SMS code; officers scan parts in, re-use what
the state already holds of the applicant, and attach electronic results; the citizen supplements
and downloads on the tracking page. Files go straight into the file store (services/documents/
files.py) after the checks of services/documents/checks.py; the documents service keeps what
each file is (only references travel on RabbitMQ). A mixin of the gateway service."""

import hashlib
import hmac
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, unquote

from werkzeug.wrappers import Response

from contracts import documents as doc
from contracts import lifecycle as lc
from contracts.documents import OnlineSubmissionSchema, ReuseRequestSchema
from contracts.offices import load_offices
from services.common.httpserver import http
from services.common.rpc import TimedRpcProxy
from services.common.web import ApiError, api, json_response, read_json, read_raw
from services.documents.checks import FileRejected, check_file
from services.documents.files import Files
from services.gateway import access
from services.gateway.pages import static_response

PURPOSE = "online_submission"  # contracts/verification.py PURPOSES
_FILENAME = re.compile(r"[^\w.\- ]+", re.UNICODE)
_PART = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
_FILE_ID = re.compile(f"^{doc.FILE_ID_PATTERN}$")
EXTENSIONS = {doc.PDF: ".pdf", doc.JPEG: ".jpg", doc.PNG: ".png"}
RESULT_STATES = frozenset(
    {lc.IN_PROCESS, lc.RESOLVED, lc.READY_AT_COUNTER, lc.RETURNING_BY_POST, lc.RETURNED}
)


def verification_key(verification_id: str) -> str:
    """What a staged upload records of the verification it was made under (not the id itself)."""
    return hashlib.sha256(verification_id.encode()).hexdigest()


def same_phone(receipt_phone: str, verified: str | None) -> bool:
    """Whether the phone proved by SMS ("84xxxxxxxxx") is the dossier's (written 0xxxxxxxxx or
    84xxxxxxxxx on its receipt)."""
    digits = re.sub(r"\D", "", receipt_phone)
    if digits.startswith("0"):
        digits = "84" + digits[1:]
    return bool(verified) and hmac.compare_digest(digits, str(verified))


def safe_filename(name: str | None, content_type: str) -> str:
    """A file name to show and to offer on download: letters, digits, . - _ and spaces, with the
    extension of its checked type (never the one the client claimed)."""
    stem = _FILENAME.sub("", (name or "").rsplit(".", 1)[0]).strip(" .")[:80] or "tai-lieu"
    return stem + EXTENSIONS[content_type]


def download(stored, filename: str) -> Response:
    """A stored file as an attachment the browser will not sniff or render inline."""
    ascii_name = filename.encode("ascii", "ignore").decode() or "tai-lieu"
    return Response(
        stored.data,
        headers={
            "Content-Type": stored.content_type,
            "Content-Disposition": (
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
            ),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "no-store",
        },
    )


def receipt_as_checked(receipt: dict, dossier: dict) -> dict:
    """A receipt as the counter's check of a dossier filed online left it: refused at the check,
    it prints as form 03 with the reason (routing holds it; intake's receipt keeps the filing)."""
    if receipt["status"] == lc.SUBMITTED_ONLINE and dossier["state"] == lc.NOT_ACCEPTED:
        reason = dossier.get("not_accepted_reason")
        return {**receipt, "status": lc.NOT_ACCEPTED, "not_accepted_reason": reason}
    return receipt


def part_id(value: str) -> str:
    if not _PART.match(value):
        raise ApiError(404, "unknown_part", "no such document part")
    return value


def may_scan(officer: dict, dossier: dict) -> None:
    """A part is scanned in or re-used at the counter that received the dossier."""
    if officer["role"] not in (lc.RECEIVER, lc.LEADER) or (
        officer["office_id"] != dossier["receiving_office_id"]
    ):
        raise ApiError(403, "not_your_counter", "only the receiving counter adds a dossier's parts")


def may_issue_result(officer: dict, dossier: dict) -> None:
    """The office that decides the dossier (its route's last step) attaches the result, once it
    has the dossier in hand or has decided it."""
    deciding = dossier["route"][-1]["office_id"]
    if officer["role"] not in (lc.HANDLER, lc.LEADER) or officer["office_id"] != deciding:
        raise ApiError(403, "not_your_office", "only the deciding office issues the result")
    if dossier["state"] not in RESULT_STATES:
        raise ApiError(409, "no_result_yet", f"no result in state {dossier['state']}")


class OnlineRoutes:
    """The gateway's routes for online submission, documents as files and electronic results."""

    files = Files()
    documents = TimedRpcProxy("documents")
    # the gateway service's own (services/gateway/service.py)
    intake: Any
    routing: Any
    notification: Any
    config: Any
    citizen_receipt: Callable[..., dict]
    _officer: Callable[[Any], dict]
    _code: Callable[[str], str]

    # ---- helpers
    def _checked_upload(self, request, stored_bytes: int = 0):
        """(bytes, checked type/size/sha256, safe file name) of a raw upload, or a 4xx."""
        try:
            data = read_raw(request, doc.MAX_FILE_BYTES)  # never more than that is read
        except ApiError as exc:
            if exc.status != 413:
                raise
            message = f"a file may be at most {doc.MAX_FILE_BYTES} bytes"
            raise ApiError(413, "file_too_large", message) from None
        try:
            checked = check_file(data, stored_bytes)
        except FileRejected as exc:
            raise ApiError(exc.status, exc.code, exc.message) from None
        name = unquote(request.headers.get("X-Filename") or "")  # percent-encoded UTF-8
        return data, checked, safe_filename(name, checked.content_type)

    def _store(self, request, metadata: dict, stored_bytes: int = 0) -> dict:
        """Check the upload (its name percent-encoded in X-Filename), put it in the file store,
        and return its reference."""
        data, checked, filename = self._checked_upload(request, stored_bytes)
        metadata = {**metadata, "sha256": checked.sha256}
        file_id = self.files.put(data, checked.content_type, filename, metadata)
        return {
            "file_id": file_id,
            "sha256": checked.sha256,
            "size": checked.size,
            "content_type": checked.content_type,
            "filename": filename,
        }

    def _verified(self, request) -> tuple[str, str]:
        """(verification id, the phone it proved) or 401."""
        verification_id = request.args.get("verification_id") or ""
        phone = None
        if 8 <= len(verification_id) <= 128:
            phone = self.notification.verified_phone(verification_id, PURPOSE)
        if not phone:
            raise ApiError(401, "phone_not_verified", "confirm the phone with the SMS code first")
        return verification_id, phone

    def _citizen_receipt(self, request, code: str) -> dict:
        """The dossier's receipt when the caller proved its phone by SMS (401 without a proof);
        another phone is the same 404 as an unknown code, a failed lookup like the tracking
        page's (GatewayService.citizen_receipt)."""
        _, phone = self._verified(request)
        return self.citizen_receipt(
            request, code, lambda receipt: same_phone(receipt["applicant"]["phone"], phone)
        )

    def _officer_dossier(self, request, code: str) -> tuple[dict, dict]:
        officer = self._officer(request)
        dossier = self.routing.get_dossier(self._code(code))
        access.check_dossier(officer, dossier, load_offices())
        return officer, dossier

    def _file(self, code: str, file_id: str) -> Response:
        if not _FILE_ID.match(file_id):
            raise ApiError(404, "no_such_file", "no such file in this dossier")
        ref = self.documents.file_of(code, file_id)
        stored = self.files.get(file_id)
        if stored is None:
            raise ApiError(404, "no_such_file", "no such file in this dossier")
        return download(stored, ref.get("filename") or "tai-lieu")

    # ---- the citizen files online
    @http("POST", "/api/online/files")
    @api
    def online_file(self, request):
        """?verification_id=: one document file (PDF, JPEG or PNG, raw body, its name in
        X-Filename) uploaded before the dossier is filed; 201 its reference."""
        verification_id, _ = self._verified(request)
        metadata = {"staged_for": verification_key(verification_id)}
        return json_response(self._store(request, metadata), 201)

    @http("POST", "/api/online/dossiers")
    @api
    def online_submit(self, request):
        """A dossier filed online with the files uploaded under the same verification: 201 its
        code (national status 1), to check at the counter it names."""
        submission = OnlineSubmissionSchema().load(read_json(request))
        verification_id = submission["verification_id"]
        phone = self.notification.verified_phone(verification_id, PURPOSE)
        if not phone:
            raise ApiError(401, "phone_not_verified", "confirm the phone with the SMS code first")
        staged = verification_key(verification_id)
        refs = []
        for part in submission["documents"]:
            meta = self.files.metadata(part["file_id"])
            if meta is None or meta.get("staged_for") != staged:
                raise ApiError(422, "unknown_file", f"no uploaded file {part['file_id']}")
            ref = {
                "file_id": part["file_id"],
                "sha256": meta["sha256"],
                "size": meta["length"],
                "content_type": meta["content_type"],
                "filename": meta["filename"],
            }
            refs.append((part["id"], ref))
        if sum(ref["size"] for _, ref in refs) > doc.MAX_DOSSIER_BYTES:
            raise ApiError(413, "dossier_too_large", "a dossier's files may be at most 50 MB")
        receipt = self.intake.submit_online(submission, phone, staged)
        code = receipt["code"]
        for document_id, ref in refs:
            self.files.claim(ref["file_id"], code)
            self.documents.record_part(code, document_id, ref, receipt["office_id"], "citizen")
        body = {
            "code": code,
            "status": receipt["status"],
            "national_status": lc.national_status(receipt["status"]),
            "office_id": receipt["office_id"],
            "track_url": f"/track?code={code}",
        }
        return json_response(body, 201)

    @http("GET", "/online")
    def online_page(self, request):
        """The citizen's page to file a dossier online (static HTML calling /api)."""
        return static_response("online.html")

    # ---- officers
    @http("GET", "/api/dossiers/<string:code>/documents")
    @api
    def dossier_documents(self, request, code):
        """The dossier's parts with their digitisation status and files, and its result."""
        self._officer_dossier(request, code)
        return json_response(self.documents.for_dossier(code))

    @http("POST", "/api/dossiers/<string:code>/documents/<string:document_id>")
    @api
    def scan_part(self, request, code, document_id):
        """The receiving counter scans a paper part in (raw body, its name in X-Filename)."""
        officer, dossier = self._officer_dossier(request, code)
        may_scan(officer, dossier)
        held = self.documents.for_dossier(code)["stored_bytes"]
        ref = self._store(request, {"code": code}, held)
        found = self.documents.record_part(
            code, part_id(document_id), ref, officer["office_id"], "officer"
        )
        return json_response(found, 201)

    @http("GET", "/api/dossiers/<string:code>/files/<string:file_id>")
    @api
    def dossier_file(self, request, code, file_id):
        """One of the dossier's files, for an officer who may read the dossier."""
        self._officer_dossier(request, code)
        return self._file(code, file_id)

    @http("GET", "/api/dossiers/<string:code>/reuse-offers")
    @api
    def reuse_offers(self, request, code):
        """What earlier dossiers of the same applicant (matched by the keyed hash of their ID
        number, from this dossier's receipt) hold, to re-use instead of asking for paper."""
        officer, dossier = self._officer_dossier(request, code)
        may_scan(officer, dossier)
        receipt = self.intake.get_receipt(code)
        offers = self.documents.offers(receipt["applicant"].get("id_number"), code)
        return json_response({"code": code, "offers": offers})

    @http("POST", "/api/dossiers/<string:code>/documents/<string:document_id>/reuse")
    @api
    def reuse_part(self, request, code, document_id):
        """{"source_code", "source_document_id"}: take that earlier part (or "result") for this
        one; recorded with where it came from."""
        officer, dossier = self._officer_dossier(request, code)
        may_scan(officer, dossier)
        body = ReuseRequestSchema().load(read_json(request))
        found = self.documents.reuse(
            code,
            part_id(document_id),
            body["source_code"],
            body["source_document_id"],
            officer["office_id"],
        )
        return json_response(found, 201)

    @http("POST", "/api/dossiers/<string:code>/result")
    @api
    def issue_result(self, request, code):
        """The deciding office attaches the result as a file (raw body); the citizen is told by
        SMS and downloads it on the tracking page."""
        officer, dossier = self._officer_dossier(request, code)
        may_issue_result(officer, dossier)
        if self.documents.for_dossier(code)["result"]:
            raise ApiError(409, "result_already_issued", "the result was issued already")
        ref = self._store(request, {"code": code, "result": True})
        return json_response(self.documents.record_result(code, ref, officer["office_id"]), 201)

    # ---- the citizen on the tracking page
    @http("GET", "/api/track/<string:code>/documents")
    @api
    def citizen_documents(self, request, code):
        """?verification_id=: the dossier's parts, what the counter asked for, and its
        electronic result, for the citizen whose phone it is."""
        self._citizen_receipt(request, code)
        found = self.documents.for_dossier(code)
        dossier = self.routing.get_dossier(code)
        asked = [h for h in dossier["history"] if h["type"] == "supplement_requested"]
        parts = [
            {k: p[k] for k in ("document_id", "name", "status")}
            | {"files": [_public_file(f["file"]) for f in p["files"]]}
            for p in found["parts"]
        ]
        return json_response(
            {
                "code": code,
                "state": dossier["state"],
                "parts": parts,
                "missing_documents": asked[-1].get("missing_documents", []) if asked else [],
                "may_upload": dossier["state"] == lc.ONLINE_SUPPLEMENT_REQUESTED,
                "result": _public_file(found["result"]) if found["result"] else None,
            }
        )

    @http("POST", "/api/track/<string:code>/documents/<string:document_id>")
    @api
    def citizen_upload(self, request, code, document_id):
        """?verification_id=: the citizen uploads a part the counter asked for before accepting
        the dossier; the dossier is to check again."""
        receipt = self._citizen_receipt(request, code)
        dossier = self.routing.get_dossier(code)
        if dossier["state"] != lc.ONLINE_SUPPLEMENT_REQUESTED:
            raise ApiError(409, "no_supplement_asked", "the counter has asked for nothing")
        held = self.documents.for_dossier(code)["stored_bytes"]
        ref = self._store(request, {"code": code}, held)
        self.documents.record_part(code, part_id(document_id), ref, receipt["office_id"], "citizen")
        return json_response({"code": code, "file": _public_file(ref)}, 201)

    @http("GET", "/api/track/<string:code>/files/<string:file_id>")
    @api
    def citizen_file(self, request, code, file_id):
        """?verification_id=: one of the citizen's own dossier's files (its result included)."""
        self._citizen_receipt(request, code)
        return self._file(code, file_id)


def _public_file(ref: dict) -> dict:
    return {k: ref[k] for k in ("file_id", "size", "content_type", "filename")}
