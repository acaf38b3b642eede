"""The gateway nameko service: the JSON API under /api. It authenticates officers, then asks
intake, routing and notification over RPC; it keeps no dossier state of its own."""

import contextlib
import functools
import re
import time
from dataclasses import asdict
from datetime import date

from nameko.dependency_providers import Config
from nameko.timer import timer
from nameko.web.handlers import HttpRequestHandler
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, RequestRedirect, Rule
from werkzeug.wrappers import Response

from contracts import money
from contracts.api import (
    BookQuerySchema,
    PaymentsQuerySchema,
    ScorecardQuerySchema,
    VerificationCodeSchema,
    VerificationRequestSchema,
    WorklistQuerySchema,
)
from contracts.calendar import WorkingCalendar, period
from contracts.carrier import SIGNATURE_HEADER
from contracts.codes import is_valid_code
from contracts.errors import NotFoundError, Unavailable
from contracts.offices import load_offices
from contracts.payment_platform import SIGNATURE_HEADER as PAYMENT_SIGNATURE_HEADER
from contracts.procedures import load_procedures
from contracts.verification import ID_PATTERN
from services.common import observability
from services.common.clock import Clock
from services.common.httpserver import http
from services.common.rpc import TimedRpcProxy
from services.common.signing import BadSignature, url_token_matches, verify
from services.common.web import (
    ApiError,
    api,
    json_response,
    parse_json,
    read_json,
    read_raw,
)
from services.gateway import access, online, voice
from services.gateway import scorecard as scores
from services.gateway.openapi import openapi_spec
from services.gateway.pages import PAGES, static_response
from services.gateway.store import GatewayStore, TrackLimiter
from services.gateway.timeline import merge_timeline
from services.gateway.tracking import (
    PHONE_DIGITS,
    citizen_payments,
    citizen_view,
    client_address,
    phone_matches,
)

BOOK_STATE_FIELDS = ("state", "status_label", "finished_at", "timing", "outcome", "returned_at")
_BEARER = re.compile(r"^Bearer ([A-Za-z0-9_\-]{20,100})$")
_REQUEST_KEY = re.compile(r"^[A-Za-z0-9_\-]{8,64}$")
_VERIFICATION_ID = re.compile(ID_PATTERN)


def request_key(request) -> str | None:
    """The Idempotency-Key header: a client that lost an answer repeats the request with the
    same key, and the dossier or action is made once."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not _REQUEST_KEY.match(key):
        raise ApiError(400, "invalid_idempotency_key", "Idempotency-Key: 8–64 of A-Z a-z 0-9 _ -")
    return key


def _day(value: str, name: str) -> str:
    """A YYYY-MM-DD day from 2000 to 2100 (ISO), else ApiError 422."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ApiError(422, "invalid_period", f"{name} must be a date YYYY-MM-DD") from None
    if not 2000 <= day.year <= 2100:
        raise ApiError(422, "invalid_period", f"{name} must be a day from 2000 to 2100")
    return day.isoformat()


def _signed(request, secret: str, header: str, sender: str):
    """The JSON body of a callback signed with `secret` in `header` (services/common/signing.py),
    or 401 when it is not, or was signed too long ago."""
    raw = read_raw(request)
    try:
        verify(secret, raw, request.headers.get(header), time.time())
    except BadSignature as exc:
        raise ApiError(
            401, "bad_signature", f"not a callback from {sender}: {exc.reason}"
        ) from None
    return parse_json(raw)


def _applied(outcome: str):
    """200 applied; 409 when the callback's event was applied before (a replay)."""
    if outcome == "duplicate":
        raise ApiError(409, "replayed_callback", "this event was applied before; nothing changed")
    return json_response({"status": "applied"})


def _money_body(body):
    """A body whose amounts are whole VND; 400 for one given as a fraction (1500000.5)."""
    if fractional := money.fractional_amounts(body):
        raise ApiError(
            400, "amount_not_whole", f"amounts are whole VND (an integer): {', '.join(fractional)}"
        )
    return body


class GatewayService(online.OnlineRoutes, voice.VoiceRoutes, observability.Observed):
    name = "gateway"

    officers = GatewayStore()
    track_limits = TrackLimiter()
    clock = Clock()
    config = Config()
    intake = TimedRpcProxy("intake")
    routing = TimedRpcProxy("routing")
    notification = TimedRpcProxy("notification")
    postal = TimedRpcProxy("postal")
    payment = TimedRpcProxy("payment")
    portal_sync = TimedRpcProxy("portal_sync")

    def _officer(self, request) -> dict:
        match = _BEARER.match(request.headers.get("Authorization", ""))
        officer = self.officers.officer(match.group(1), self.clock.now()) if match else None
        if officer is None:
            raise ApiError(401, "unauthenticated", "a valid officer bearer token is required")
        return officer

    def _client(self, request) -> str:
        """The client's address, for the limits on what a citizen may try (tracking.py)."""
        trusted = {a.strip() for a in str(self.config.get("TRUSTED_PROXIES") or "").split(",")}
        return client_address(
            request.remote_addr, request.headers.get("X-Forwarded-For"), trusted - {""}
        )

    @staticmethod
    def _code(code: str) -> str:
        if not is_valid_code(code):
            raise ApiError(404, "unknown_dossier", "no dossier with that code")
        return code

    @http("POST", "/api/dossiers")
    @api
    def receive(self, request):
        officer = self._officer(request)
        receipt = self.intake.receive(read_json(request), officer, request_key(request))
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
        dossier = self.routing.get_dossier(self._code(code), officer)
        access.check_dossier(officer, dossier, load_offices())
        messages = self.notification.messages(code)
        shipments = self.postal.shipments(code)
        payments = self.payment.for_dossier(code)
        dossier["sms"], dossier["shipments"], dossier["payments"] = messages, shipments, payments
        dossier["portal_sync"] = None  # not known yet, or the portal sync does not answer
        with contextlib.suppress(NotFoundError, Unavailable):
            dossier["portal_sync"] = self.portal_sync.status(code)
        dossier["timeline"] = merge_timeline(dossier["history"], messages, shipments, payments)
        return json_response(dossier)

    @http("POST", "/api/dossiers/<string:code>/payments")
    @api
    def pay_at_counter(self, request, code):
        """The citizen pays what is due (a fee awaited, or a financial obligation) at the
        dossier's counter: {"method": "cash"|"transfer"} -> the payment with its receipt."""
        officer = self._officer(request)
        body = _money_body(read_json(request))
        return json_response(self.payment.pay_at_counter(self._code(code), body, officer))

    @http("GET", "/api/payments")
    @api
    def payments(self, request):
        """?office=&from=YYYY-MM-DD&to=YYYY-MM-DD: what the office collected, by method."""
        officer = self._officer(request)
        query = PaymentsQuerySchema().load(request.args)
        office = access.check_office(officer, query["office"], load_offices())
        start, end = query["from_"].isoformat(), query["to"].isoformat()
        if start > end:
            raise ApiError(422, "invalid_period", "from must not be after to")
        return json_response(self.payment.collected(office.id, start, end))

    def _office_period(self, request):
        """`?office=&from=&to=` of a report the officer may read: (office, from, to)."""
        officer = self._officer(request)
        query = ScorecardQuerySchema().load(request.args)
        office = access.check_office(officer, query["office"], load_offices())
        try:
            period(query["from_"], query["to"], WorkingCalendar().tz)
        except ValueError as exc:
            raise ApiError(422, "invalid_period", str(exc)) from None
        return office, query["from_"].isoformat(), query["to"].isoformat()

    def _scorecard(self, request) -> dict:
        """The scorecard of `?office=` and of every office directly below it for `?from=&to=`:
        one RPC to routing (their statistics), one to payment (their fee figures), one to
        feedback (their evaluations) and one to documents (their files)."""
        office, start, end = self._office_period(request)
        offices = scores.offices_of(office, load_offices())
        ids = [o.id for o in offices]
        stats = self.routing.stats_many(ids, start, end)
        payments = self.payment.collected_figures(ids, start, end)
        voice = files = None  # their groups: no data while their service is away
        with contextlib.suppress(Unavailable):
            voice = self.feedback.figures(ids, start, end)
        with contextlib.suppress(Unavailable):
            files = self.documents.figures(ids, start, end)
        return {
            "office_id": office.id,
            "from": start,
            "to": end,
            "offices": scores.rows(offices, stats, payments, voice, files),
        }

    @http("GET", "/api/scorecard")
    @api
    def scorecard(self, request):
        """?office=&from=&to=: the Decision 766 scorecard (contracts/scorecard.py) of an office
        and the offices directly below it, side by side."""
        return json_response(self._scorecard(request))

    @http("GET", "/api/scorecard.csv")
    @api
    def scorecard_csv(self, request):
        """The same as CSV (UTF-8 with a BOM for Excel), the offices as rows, as a download."""
        card = self._scorecard(request)
        name = f"bang-diem-766-{card['office_id']}-{card['from']}-{card['to']}.csv"
        return Response(
            scores.csv_text(card).encode("utf-8"),
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
            },
        )

    @http("GET", "/api/scorecard.svg")
    @api
    def scorecard_svg(self, request):
        """The offices' points as a stacked bar chart (SVG, drawn by pygal)."""
        return Response(
            scores.chart_svg(self._scorecard(request)),
            headers={
                "Content-Type": "image/svg+xml",
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "no-store",
            },
        )

    @http("GET", "/api/dossiers/<string:code>/receipt")
    @api
    def receipt(self, request, code):
        """The receipt (form 01): the applicant's personal data, for officers who may read. The
        counter prints it as soon as it receives: routing may not have taken the dossier in yet
        (its event is on the way), and then the receipt's own offices decide who may read it."""
        officer = self._officer(request)
        receipt = self.intake.get_receipt(self._code(code))
        try:
            dossier = self.routing.get_dossier(code)
        except NotFoundError:
            dossier = None
        access.check_dossier(officer, dossier or access.receipt_offices(receipt), load_offices())
        return json_response(online.receipt_as_checked(receipt, dossier) if dossier else receipt)

    @http("GET", "/api/me")
    @api
    def me(self, request):
        officer = self._officer(request)
        return json_response(
            {**officer, "office_name": load_offices().get(officer["office_id"]).name}
        )

    @http("GET", "/api/openapi.json")
    @api
    def openapi(self, request):
        return json_response(openapi_spec())

    @http("POST", "/api/dossiers/<string:code>/actions")
    @api
    def act(self, request, code):
        officer = self._officer(request)
        body, key = _money_body(read_json(request)), request_key(request)
        return json_response(self.routing.act(self._code(code), body, officer, key))

    @http("GET", "/api/offices/<string:office_id>/worklist")
    @api
    def worklist(self, request, office_id):
        """?limit=&after= (contracts.api.WorklistQuerySchema)."""
        office = access.check_office(self._officer(request), office_id, load_offices())
        page = WorklistQuerySchema().load(request.args)
        found = self.routing.worklist(office.id, page["limit"], page["after"], page["part"])
        return json_response({"office_id": office.id, **found})

    @http("GET", "/api/offices/<string:office_id>/book")
    @api
    def book(self, request, office_id):
        """The tracking book (form 07) of a counter: ?from=&to=&limit=&after=
        (contracts.api.BookQuerySchema); each row with its dossier's state from routing."""
        office = access.check_office(self._officer(request), office_id, load_offices())
        query = BookQuerySchema().load(request.args)
        try:
            start, end = period(query["from_"], query["to"], WorkingCalendar().tz)
        except ValueError as exc:
            raise ApiError(422, "invalid_period", str(exc)) from None
        page = self.intake.book(
            office.id, start.isoformat(), end.isoformat(), query["limit"], query["after"]
        )
        states = self.routing.summaries([row["code"] for row in page["entries"]])
        for row in page["entries"]:
            found = states.get(row["code"], {})
            row.update({k: found.get(k) for k in BOOK_STATE_FIELDS})
        body = {"office_id": office.id, "from": query["from_"], "to": query["to"], **page}
        return json_response(body)

    @http("GET", "/api/stats")
    @api
    def stats(self, request):
        """?office=&from=YYYY-MM-DD&to=YYYY-MM-DD (local days, both included)."""
        officer = self._officer(request)
        args = request.args
        if not all(args.get(k) for k in ("office", "from", "to")):
            raise ApiError(400, "missing_parameters", "office, from and to are required")
        office = access.check_office(officer, args["office"], load_offices())
        start, end = _day(args["from"], "from"), _day(args["to"], "to")
        return json_response(self.routing.stats(office.id, start, end))

    def _tracked_receipt(self, request, code: str, phone: str) -> dict:
        """The receipt of a dossier code whose phone ends with `phone` (four digits): what a
        citizen must know to see or evaluate the dossier (the limits on failed lookups:
        citizen_receipt)."""
        if not PHONE_DIGITS.match(phone):
            raise ApiError(422, "invalid_phone", "phone must be the last 4 digits of the phone")
        return self.citizen_receipt(request, code, lambda r: phone_matches(r, phone))

    def citizen_receipt(self, request, code: str, proves) -> dict:
        """The receipt of `code` when `proves(receipt)` (the phone's last digits, or a phone
        proved by SMS). An unknown code and a failed proof are the same 404 and count as a
        failed lookup of the client and of the code (store.TrackLimits): past its limit a client
        gets 429, and a code answers as an unknown one for a while, whoever asks."""
        client, limits, at = self._client(request), self.track_limits, self.clock.now()
        if limits.per_client.count(client, at) >= limits.per_client.limit:
            raise ApiError(
                429,
                "too_many_lookups",
                f"too many failed lookups; try again in {limits.per_client.minutes} minutes",
            )
        known = is_valid_code(code)
        receipt = None
        if known and limits.per_code.count(code, at) < limits.per_code.limit:
            with contextlib.suppress(NotFoundError):
                receipt = self.intake.get_receipt(code)
        if receipt is None or not proves(receipt):
            limits.per_client.record(client, at)
            if known:
                limits.per_code.record(code, at)
            raise ApiError(404, "not_found", "no dossier with that code and phone number")
        return receipt

    @http("GET", "/api/track/<string:code>")
    @api
    def track(self, request, code):
        """The citizen's view, after the code and phone check (`_tracked_receipt`)."""
        receipt = self._tracked_receipt(request, code, request.args.get("phone", ""))
        try:
            dossier = self.routing.get_dossier(code)
        except NotFoundError:
            dossier = None  # routing has not seen it yet
        offices = load_offices()
        view = citizen_view(receipt, dossier, lambda o: offices.get(o).name)
        view["payments"] = citizen_payments(self.payment.for_dossier(code))
        return json_response(view)

    @http("POST", "/api/verifications")
    @api
    def request_code(self, request):
        """A one-time code sent by SMS to confirm a phone (contracts/verification.py): 201 with
        the verification's id; 429 past the limits per phone and per client address."""
        body = VerificationRequestSchema().load(read_json(request))
        sent = self.notification.request_code(body["phone"], body["purpose"], self._client(request))
        return json_response(sent, 201)

    @http("POST", "/api/verifications/<string:verification_id>")
    @api
    def check_code(self, request, verification_id):
        """The code the SMS brought: 200 verified; 422 wrong (tries left), 410 expired, 429
        locked after too many wrong codes, 404 unknown."""
        body = VerificationCodeSchema().load(read_json(request))
        if not _VERIFICATION_ID.match(verification_id):
            raise ApiError(404, "unknown_verification", "no such verification: ask for a new code")
        return json_response(self.notification.check_code(verification_id, body["code"]))

    @timer(interval=60)
    def forget_track_failures(self):
        self.track_limits.forget_before(self.clock.now())

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
        """Kannel's delivery report: ?id=<message id>&type=<Kannel DLR type>&t=<the message's
        token, notification/kannel.py dlr_url>; 401 without the right token."""
        message_id, dlr_type = request.args.get("id", ""), request.args.get("type", "")
        if not message_id or not dlr_type.isdigit():
            raise ApiError(400, "bad_report", "id and a numeric type are required")
        if not url_token_matches(self.config["SMS_DLR_SECRET"], message_id, request.args.get("t")):
            raise ApiError(401, "bad_token", "not a delivery report of an SMS we sent")
        self.notification.delivery_report(message_id, int(dlr_type))
        return json_response({"ok": True})

    @http("POST", "/api/callbacks/postal")
    @api
    def postal_callback(self, request):
        """The carrier's signed status callback: 200 applied; 409 applied before (a replay);
        401 not signed with the shared secret, or signed too long ago. Nothing changes unless
        200."""
        body = _signed(request, self.config["CARRIER_SECRET"], SIGNATURE_HEADER, "the carrier")
        return _applied(self.postal.carrier_callback(body))

    @http("POST", "/api/callbacks/payment")
    @api
    def payment_callback(self, request):
        """The payment platform's signed status callback: as the carrier's; 404 an unknown
        payment."""
        secret = self.config["PAYMENT_PLATFORM_SECRET"]
        body = _signed(request, secret, PAYMENT_SIGNATURE_HEADER, "the payment platform")
        return _applied(self.payment.platform_callback(body))

    @http("GET", "/console")
    def console(self, request):
        """The officer console (static HTML; it signs in with a token and calls /api)."""
        return static_response(PAGES["console"])

    @http("GET", "/track")
    def track_page(self, request):
        """The citizen page: a dossier code and the phone's last four digits."""
        return static_response(PAGES["track"])

    @http("GET", "/static/<string:name>")
    @api
    def static(self, request, name):
        response = static_response(name)
        if response is None:
            raise ApiError(404, "no_such_file", "no such file")
        return response

    @http("GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS", "/<path:anything>")
    @api
    def no_such_route(self, request, anything):
        """Any other path or method: a JSON 405 (a known path) or 404 rather than werkzeug's HTML
        page. Werkzeug tries a path converter last, so every route above matches first."""
        allowed = allowed_methods(request.path)
        if allowed:
            raise ApiError(
                405, "method_not_allowed", f"{request.method} is not allowed here", allowed=allowed
            )
        raise ApiError(404, "no_such_route", f"no {request.method} route at this path")


@functools.cache
def _routes() -> Map:
    """The gateway's own routes (but the catch-all), from its http entrypoints."""
    rules = [
        Rule(entrypoint.url, methods=entrypoint.method.split(","))
        for name in dir(GatewayService)
        for entrypoint in getattr(getattr(GatewayService, name), "nameko_entrypoints", ())
        if isinstance(entrypoint, HttpRequestHandler) and "<path:anything>" not in entrypoint.url
    ]
    return Map(rules)


def allowed_methods(path: str) -> list[str]:
    """The methods a known path takes; [] for a path the gateway does not have."""
    try:
        _routes().bind("gateway").match(path, method="__none__")
    except MethodNotAllowed as exc:
        return sorted(exc.valid_methods or [])
    except (NotFound, RequestRedirect):
        return []
    return []
