"""The documents nameko service: each dossier's parts as files and their digitisation (not
digitised, digitised, re-used from an earlier part or result, with the source), electronic
results, and the re-use offers of an applicant found by the keyed hash of their ID number. The
bytes live in the file store (files.py), written by the gateway; here only references (file id,
sha256, size, type) arrive and leave, on RPC and on documents.events. Entrypoints are thin;
decisions come from domain.py."""

from datetime import UTC, date, datetime

from nameko.dependency_providers import Config
from nameko.timer import timer

from contracts import documents as doc
from contracts.envelope import load_message, make_envelope
from contracts.errors import InvalidInput, NotFoundError
from contracts.events import INTAKE_EVENTS
from contracts.procedures import UnknownProcedure, load_procedures
from services.common import observability
from services.common.clock import Clock
from services.common.messaging import OutboxPublisher, event_entry, event_handler
from services.common.repository import Change
from services.common.rpc import rpc
from services.documents import domain
from services.documents.files import Files
from services.documents.store import DocumentsStore


def _public(record: dict) -> dict:
    """A dossier's documents as the gateway gives them: no applicant key."""
    return {
        "code": record["_id"],
        "office_id": record["office_id"],
        "parts": domain.parts_view(record),
        "result": record.get("result"),
        "stored_bytes": domain.stored_bytes(record),
    }


class DocumentsService(observability.Observed):
    name = "documents"

    store = DocumentsStore()
    files = Files()
    outbox = OutboxPublisher()
    clock = Clock()
    config = Config()

    def _key(self, id_number: str | None) -> str | None:
        return domain.applicant_key(self.config["DOCUMENTS_ID_KEY"], id_number)

    def _event(self, code: str, type_: str, payload: dict):
        """The outbox entries of one documents event, numbered with the record's version."""
        body = doc.DOCUMENT_EVENTS[type_].dump(payload)
        now = self.clock.now()
        return lambda seq: [event_entry(self.name, make_envelope(type_, code, seq, body, now))]

    def _part_change(self, code: str, entry: dict, event: dict):
        """The decision adding a file to a part, or none when it is there already (a repeated
        request adds nothing)."""

        def decide(record: dict) -> Change | None:
            if domain.has_file(record, entry["document_id"], entry["file"]["file_id"]):
                return None
            messages = self._event(code, "document_digitised", event)
            return Change(push={"parts": [entry]}, messages=messages)

        return decide

    @event_handler("intake", "dossier_received")
    def on_dossier_received(self, body):
        """What the receipt tells: the counter, the parts, and the applicant's keyed hash (their
        ID number itself is never kept here)."""
        envelope, received = load_message(body, INTAKE_EVENTS)
        try:
            procedure = load_procedures().get(received["procedure_code"])
            names = {d.id: d.name for d in procedure.documents}
        except UnknownProcedure:
            names = {}
        fields = domain.from_receipt(received, self._key(received["applicant"]["id_number"]), names)
        self.store.take_receipt(received["code"], fields, self.clock.now(), envelope["message_id"])

    @rpc
    def record_part(
        self, code: str, document_id: str, file: dict, office_id: str, uploaded_by: str
    ) -> dict:
        """A part of the dossier has a file now (scanned at the counter, uploaded online or by
        the citizen on the tracking page): digitised."""
        file = doc.FileRefSchema().load(file)
        now = self.clock.now()
        entry = domain.part_entry(document_id, file, now, uploaded_by)
        event = {**entry, "office_id": office_id, "uploaded_by": uploaded_by}
        record = self.store.change(
            code,
            self._part_change(code, entry, event),
            now,
            publisher=self.outbox,
        )
        return _public(record)

    @rpc
    def reuse(
        self, code: str, document_id: str, source_code: str, source_document_id: str, office_id: str
    ) -> dict:
        """The part is taken from an earlier dossier of the same applicant (or its result)
        instead of the paper; recorded with where it came from."""
        target, source = self.store.get(code), self.store.get(source_code)
        if target is None:
            raise NotFoundError("unknown_dossier", f"nothing is known of dossier {code} yet")
        if source is None:
            raise NotFoundError(
                "no_such_source", "no earlier dossier of this applicant with that code"
            )
        file = domain.reuse(target, source, source_document_id)
        now = self.clock.now()
        origin = {"code": source_code, "document_id": source_document_id}
        entry = domain.part_entry(document_id, file, now, "officer", origin)
        event = {**entry, "office_id": office_id}
        record = self.store.change(
            code,
            self._part_change(code, entry, event),
            now,
            publisher=self.outbox,
        )
        return _public(record)

    @rpc
    def record_result(self, code: str, file: dict, office_id: str) -> dict:
        """The resolving office attached the result as a file: the citizen may download it."""
        file = doc.FileRefSchema().load(file)
        record = self.store.get(code)
        if record is not None:
            domain.result_allowed(record)

        def decide(r: dict) -> Change | None:
            if r.get("result"):
                return None
            payload = {"file": file, "office_id": office_id}
            return Change(
                {"result": file},
                messages=self._event(code, "result_issued_electronically", payload),
            )

        return _public(self.store.change(code, decide, self.clock.now(), publisher=self.outbox))

    @rpc
    def for_dossier(self, code: str) -> dict:
        """The dossier's parts with their digitisation and files, and its result."""
        record = self.store.get(code) or domain.new_record(code, self.clock.now())
        return _public(record)

    @rpc
    def file_of(self, code: str, file_id: str) -> dict:
        """The reference of one of the dossier's files (a part's or its result), or 404: a file
        is only ever read through a dossier its reader may see."""
        record = self.store.get(code)
        found = domain.file_ids(record).get(file_id) if record else None
        if found is None:
            raise NotFoundError("no_such_file", "no such file in this dossier")
        return found

    @rpc
    def figures(self, office_ids: list[str], from_date: str, to_date: str) -> list[dict]:
        """Each counter's digitisation figures (domain.figures) for the dossiers it received on
        the local days from..to (the Decision 766 scorecard's digitisation group)."""
        try:
            first, last = date.fromisoformat(from_date), date.fromisoformat(to_date)
        except (TypeError, ValueError) as exc:
            raise InvalidInput("invalid_period", f"from and to must be dates: {exc}") from None
        return [
            {"office_id": o, **domain.figures(self.store.received_between(o, first, last))}
            for o in office_ids
        ]

    @rpc
    def offers(self, id_number: str | None, exclude: str) -> list[dict]:
        """What earlier dossiers of the applicant with this ID number hold, to re-use."""
        key = self._key(id_number)
        return domain.offers(self.store.of_applicant(key), exclude) if key else []

    @timer(interval=5)
    def sweep(self):
        self.store.records.sweep(self.outbox)

    @timer(interval=300)
    def forget_unfiled(self):
        """Delete the files uploaded online that no dossier was filed with (the citizen gave
        up) once doc.UNFILED_AFTER has passed (by the real clock, which stamped the upload)."""
        for file_id in self.files.unfiled_before(datetime.now(UTC) - doc.UNFILED_AFTER):
            self.files.delete(file_id)
