"""The gateway nameko service: the JSON API under /api. It authenticates officers, then asks
intake, routing and notification over RPC; it keeps no dossier state of its own."""

import re
import time
from dataclasses import asdict

from nameko.dependency_providers import Config
from nameko.web.handlers import http

from contracts.carrier import SIGNATURE_HEADER
from contracts.codes import OFFICE_ID_PATTERN, is_valid_code
from contracts.lifecycle import LEADER
from contracts.offices import UnknownOffice, load_offices
from contracts.procedures import load_procedures
from services.common.rpc import TimedRpcProxy
from services.common.signing import BadSignature, verify
from services.common.web import (
    ApiError,
    api,
    health_response,
    json_response,
    parse_json,
    read_json,
    read_raw,
)
from services.gateway.store import GatewayStore
from services.gateway.timeline import merge_timeline

_BEARER = re.compile(r"^Bearer ([A-Za-z0-9_\-]{20,100})$")
_OFFICE_ID = re.compile(OFFICE_ID_PATTERN)


class GatewayService:
    name = "gateway"

    officers = GatewayStore()
    config = Config()
    intake = TimedRpcProxy("intake")
    routing = TimedRpcProxy("routing")
    notification = TimedRpcProxy("notification")
    postal = TimedRpcProxy("postal")

    def _officer(self, request) -> dict:
        match = _BEARER.match(request.headers.get("Authorization", ""))
        officer = self.officers.officer(match.group(1)) if match else None
        if officer is None:
            raise ApiError(401, "unauthenticated", "a valid officer bearer token is required")
        return officer

    @staticmethod
    def _code(code: str) -> str:
        if not is_valid_code(code):
            raise ApiError(404, "unknown_dossier", "no dossier with that code")
        return code

    @staticmethod
    def _may_read(officer: dict, dossier: dict) -> None:
        offices = load_offices()
        mine = officer["office_id"]
        if mine in (dossier["office_id"], dossier["receiving_office_id"]) or any(
            step["office_id"] == mine for step in dossier["route"]
        ):
            return
        if officer["role"] == LEADER and offices.is_within(dossier["receiving_office_id"], mine):
            return
        raise ApiError(403, "not_your_office", "this dossier is not at your office")

    @http("POST", "/api/dossiers")
    @api
    def receive(self, request):
        officer = self._officer(request)
        receipt = self.intake.receive(read_json(request), officer)
        route = [
            {"level": s["level"], "office_id": s["office_id"], "due_at": s["due_at"]}
            for s in receipt["route"]
        ]
        body = {
            "code": receipt["code"],
            "status": receipt["status"],
            "appointment_at": receipt["appointment_at"],
            "route": route,
            "receipt_url": f"/api/dossiers/{receipt['code']}",
            "receipt": receipt,
        }
        return json_response(body, 201)

    @http("GET", "/api/dossiers/<string:code>")
    @api
    def get_dossier(self, request, code):
        officer = self._officer(request)
        dossier = self.routing.get_dossier(self._code(code))
        self._may_read(officer, dossier)
        messages = self.notification.messages(code)
        shipments = self.postal.shipments(code)
        dossier["sms"], dossier["shipments"] = messages, shipments
        dossier["timeline"] = merge_timeline(dossier["history"], messages, shipments)
        return json_response(dossier)

    @http("POST", "/api/dossiers/<string:code>/actions")
    @api
    def act(self, request, code):
        officer = self._officer(request)
        return json_response(self.routing.act(self._code(code), read_json(request), officer))

    @http("GET", "/api/offices/<string:office_id>/worklist")
    @api
    def worklist(self, request, office_id):
        office = self._may_read_office(self._officer(request), office_id)
        return json_response({"office_id": office.id, "dossiers": self.routing.worklist(office.id)})

    def _may_read_office(self, officer: dict, office_id: str):
        """The office, if the officer works there or leads an office above it; else 403/404."""
        offices = load_offices()
        if not _OFFICE_ID.fullmatch(office_id):  # checked before any lookup
            raise ApiError(404, "unknown_office", "no office with that id")
        try:
            office = offices.get(office_id)
        except UnknownOffice:
            raise ApiError(404, "unknown_office", "no office with that id") from None
        if officer["office_id"] != office.id and not (
            officer["role"] == LEADER and offices.is_within(office.id, officer["office_id"])
        ):
            raise ApiError(403, "not_your_office", "you may read your own office only")
        return office

    @http("GET", "/api/stats")
    @api
    def stats(self, request):
        """?office=&from=YYYY-MM-DD&to=YYYY-MM-DD (local days, both included)."""
        officer = self._officer(request)
        args = request.args
        if not all(args.get(k) for k in ("office", "from", "to")):
            raise ApiError(400, "missing_parameters", "office, from and to are required")
        office = self._may_read_office(officer, args["office"])
        return json_response(self.routing.stats(office.id, args["from"], args["to"]))

    @http("GET", "/api/catalog/procedures")
    @api
    def procedures(self, request):
        return json_response({"procedures": [asdict(p) for p in load_procedures().all()]})

    @http("GET", "/api/catalog/offices")
    @api
    def offices(self, request):
        return json_response({"offices": [vars(o) for o in load_offices().all()]})

    @http("GET", "/api/callbacks/sms")
    @api
    def sms_callback(self, request):
        """Kannel's delivery report: ?id=<message id>&type=<Kannel DLR type>."""
        message_id, dlr_type = request.args.get("id", ""), request.args.get("type", "")
        if not message_id or not dlr_type.isdigit():
            raise ApiError(400, "bad_report", "id and a numeric type are required")
        self.notification.delivery_report(message_id, int(dlr_type))
        return json_response({"ok": True})

    @http("POST", "/api/callbacks/postal")
    @api
    def postal_callback(self, request):
        """The carrier's signed status callback: 200 applied; 409 applied before (a replay);
        401 not signed with the shared secret, or signed too long ago. Nothing changes unless
        200."""
        raw = read_raw(request)
        try:
            verify(
                self.config["CARRIER_SECRET"],
                raw,
                request.headers.get(SIGNATURE_HEADER),
                time.time(),
            )
        except BadSignature as exc:
            raise ApiError(
                401, "bad_signature", f"not a callback from the carrier: {exc.reason}"
            ) from None
        if self.postal.carrier_callback(parse_json(raw)) == "duplicate":
            raise ApiError(
                409, "replayed_callback", "this event was applied before; nothing changed"
            )
        return json_response({"status": "applied"})

    @http("GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS", "/<path:anything>")
    @api
    def no_such_route(self, request, anything):
        """Any other path or method: a JSON 404 rather than werkzeug's HTML page. Werkzeug tries
        a path converter last, so every route above matches first."""
        raise ApiError(404, "no_such_route", f"no {request.method} route at this path")

    @http("GET", "/healthz")
    def healthz(self, request):
        return health_response(self.config["AMQP_URI"], self.officers)
