"""The gateway's routes of the citizens' voice: the citizen's SMS replies from Kannel's smsbox,
a dossier's evaluation (the tracking page after the code and phone check, the counter's kiosk),
feedback (phản ánh, kiến nghị) submitted, followed and answered, and the satisfaction figures and
chart of a leader's page. Mixed into GatewayService (services/gateway/service.py); the feedback
service decides, the gateway checks who asks."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from marshmallow import ValidationError
from nameko.timer import timer
from werkzeug.wrappers import Response

from contracts import feedback as fb
from contracts.errors import NotFoundError
from contracts.lifecycle import LEADER
from contracts.offices import UnknownOffice, load_offices
from services.common.httpserver import http
from services.common.limits import WindowLimit
from services.common.rpc import TimedRpcProxy
from services.common.store import MongoStore
from services.common.web import ApiError, api, json_response, read_json
from services.gateway import access
from services.gateway import satisfaction as charts
from services.gateway import scorecard as scores
from services.gateway.pages import static_response
from services.gateway.tracking import PHONE_DIGITS

WINDOW = timedelta(minutes=60)  # of the limits on feedback
SVG_HEADERS = {
    "Content-Type": "image/svg+xml",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def _known_office(office_id: str) -> str:
    """The office a citizen picked, or 422."""
    try:
        return load_offices().get(office_id).id
    except UnknownOffice:
        raise ApiError(422, "unknown_office", "no office with that id") from None


class SubmissionLimits:
    """Feedback sent: FEEDBACK_PER_PHONE per phone and FEEDBACK_PER_CLIENT per client address
    an hour (services/common/limits.py), then 429."""

    def __init__(self, db, per_phone: int, per_client: int):
        self.per_phone = WindowLimit(db.feedback_by_phone, per_phone, WINDOW)
        self.per_client = WindowLimit(db.feedback_by_client, per_client, WINDOW)

    def forget_before(self, now: datetime) -> None:
        for limit in (self.per_phone, self.per_client):
            limit.forget_before(now - limit.window)


class SubmissionLimiter(MongoStore):
    database = "gateway"

    def setup(self):
        super().setup()
        config = self.container.config
        self.per_phone = int(config.get("FEEDBACK_PER_PHONE") or 3)
        self.per_client = int(config.get("FEEDBACK_PER_CLIENT") or 20)

    def get_dependency(self, worker_ctx):
        return SubmissionLimits(self.db, self.per_phone, self.per_client)


class VoiceRoutes:
    """The routes; GatewayService provides `_officer`, `_code`, `_client`, `_tracked_receipt`,
    and the RPC proxies to intake, routing and notification."""

    config: Any
    clock: Any
    track_limits: Any
    routing: Any
    notification: Any
    _officer: Callable[[Any], dict]
    _code: Callable[[str], str]
    _client: Callable[[Any], str]
    _tracked_receipt: Callable[[Any, str, str], dict]
    _office_period: Callable[[Any], tuple[Any, str, str]]

    feedback = TimedRpcProxy("feedback")
    submissions = SubmissionLimiter()

    # ---- a dossier's evaluation
    @http("GET", "/api/track/<string:code>/evaluation")
    @api
    def track_evaluation(self, request, code):
        """Whether the citizen may evaluate the dossier, with the levels and questions."""
        self._tracked_receipt(request, code, request.args.get("phone", ""))
        return json_response(self.feedback.evaluation(code))

    @http("POST", "/api/track/<string:code>/evaluation")
    @api
    def track_evaluate(self, request, code):
        """{"phone": last 4 digits, "level": n, "answers": {question: n}}: the one evaluation;
        409 already_evaluated, 409 not_returned."""
        body = read_json(request)
        phone = body.pop("phone", "") if isinstance(body.get("phone"), str) else ""
        self._tracked_receipt(request, code, phone)
        return json_response(self.feedback.evaluate(code, body, fb.PAGE), 201)

    def _counter_dossier(self, request, code: str) -> None:
        """The kiosk is the counter's: an officer of the dossier's receiving counter (or a
        leader above it) opens it; 403 for the other offices on its route."""
        officer = self._officer(request)
        dossier = self.routing.get_dossier(self._code(code))
        access.check_office(officer, dossier["receiving_office_id"], load_offices())

    @http("GET", "/api/dossiers/<string:code>/evaluation")
    @api
    def kiosk_evaluation(self, request, code):
        """The kiosk's question for the dossier just handed over (an officer opened it)."""
        self._counter_dossier(request, code)
        return json_response(self.feedback.evaluation(code))

    @http("POST", "/api/dossiers/<string:code>/evaluation")
    @api
    def kiosk_evaluate(self, request, code):
        """The citizen's answer on the counter's kiosk: {"level": n, "answers": {…}}."""
        self._counter_dossier(request, code)
        return json_response(self.feedback.evaluate(code, read_json(request), fb.KIOSK), 201)

    # ---- feedback
    def _limit(self, limit: WindowLimit, key: str) -> None:
        if limit.count(key, self.clock.now()) >= limit.limit:
            raise ApiError(
                429,
                "too_many_feedback",
                f"too much feedback from here; try again in {limit.minutes} minutes",
            )

    @http("POST", "/api/feedback")
    @api
    def submit_feedback(self, request):
        """A citizen's feedback: with a dossier code and the phone's last 4 digits (routed to the
        dossier's counter), or with a phone confirmed by an SMS code and the office it is for.
        201 its code and due date; 429 past the limits per phone and per client address."""
        body = read_json(request)
        try:
            request_ = fb.FeedbackSubmissionSchema().load(body)
        except ValidationError as exc:
            raise ApiError(
                422, "invalid_input", "the feedback is not valid", fields=exc.messages
            ) from None
        client = self._client(request)
        self._limit(self.submissions.per_client, client)
        if request_["dossier_code"]:
            receipt = self._tracked_receipt(request, request_["dossier_code"], request_["phone"])
            office_id, phone = receipt["office_id"], receipt["applicant"]["phone"]
        else:
            office_id = _known_office(request_["office_id"])
            phone = self.notification.verified_phone(request_["verification_id"], "feedback")
            if not phone:
                raise ApiError(403, "phone_not_verified", "confirm the phone with its SMS code")
        digits = "".join(ch for ch in phone if ch.isdigit())
        self._limit(self.submissions.per_phone, digits)
        made = self.feedback.submit(body, office_id, phone)
        at = self.clock.now()
        self.submissions.per_client.record(client, at)
        self.submissions.per_phone.record(digits, at)
        return json_response(made, 201)

    @http("GET", "/api/feedback/<string:code>")
    @api
    def citizen_feedback(self, request, code):
        """?phone=last 4 digits: the citizen's view of their feedback and its answer."""
        phone, client = request.args.get("phone", ""), self._client(request)
        limit = self.track_limits.per_client  # the tracking page's: the same citizens
        if limit.count(client, self.clock.now()) >= limit.limit:
            raise ApiError(429, "too_many_lookups", "too many failed lookups; try again later")
        try:
            if not fb.is_feedback_code(code) or not PHONE_DIGITS.match(phone):
                raise NotFoundError("not_found", "no feedback with that code and phone number")
            return json_response(self.feedback.for_citizen(code, phone))
        except NotFoundError:
            limit.record(client, self.clock.now())
            raise

    @http("GET", "/api/offices/<string:office_id>/feedback")
    @api
    def office_feedback(self, request, office_id):
        """The feedback of an office; for its leaders also of every office below it."""
        officer = self._officer(request)
        catalog = load_offices()
        office = access.check_office(officer, office_id, catalog)
        ids = [office.id]
        if officer["role"] == LEADER:
            below = [o.id for o in catalog.all() if catalog.is_within(o.id, office.id)]
            ids += [o for o in below if o != office.id]
        return json_response({"office_id": office.id, "feedback": self.feedback.of_offices(ids)})

    def _handled_feedback(self, request, code: str, action: str):
        officer = self._officer(request)
        if not fb.is_feedback_code(code):
            raise ApiError(404, "unknown_feedback", "no feedback with that code")
        found = self.feedback.for_officer(code)
        access.check_office(officer, found["office_id"], load_offices())
        return getattr(self.feedback, action)(code, read_json(request), officer)

    @http("POST", "/api/feedback/<string:code>/assign")
    @api
    def assign_feedback(self, request, code):
        """{"assignee": name}: a leader of the feedback's office names who handles it."""
        return json_response(self._handled_feedback(request, code, "assign"))

    @http("POST", "/api/feedback/<string:code>/answer")
    @api
    def answer_feedback(self, request, code):
        """{"answer": text}: the answer, sent to the citizen by SMS and shown on their page."""
        return json_response(self._handled_feedback(request, code, "answer"))

    # ---- figures and the leader's page
    def _satisfaction(self, request) -> dict:
        office, start, end = self._office_period(request)
        catalog = load_offices()
        offices = scores.offices_of(office, catalog)
        figures = self.feedback.figures([o.id for o in offices], start, end)
        area = [o.id for o in catalog.all() if catalog.is_within(o.id, office.id)]
        months = self.feedback.months(area, start, end)
        return charts.report(office, offices, figures, months, start, end)

    @http("GET", "/api/satisfaction")
    @api
    def satisfaction(self, request):
        """?office=&from=&to=: evaluations by level, the satisfaction rate and the feedback
        figures of an office and of the offices directly below it, and the office's months."""
        return json_response(self._satisfaction(request))

    @http("GET", "/api/satisfaction.svg")
    @api
    def satisfaction_svg(self, request):
        """?office=&from=&to=&chart=offices|months: a chart of the rate, drawn by pygal."""
        chart = request.args.get("chart", "offices")
        if chart not in charts.CHARTS:
            raise ApiError(422, "invalid_chart", f"chart must be one of {sorted(charts.CHARTS)}")
        report = self._satisfaction(request)
        return Response(charts.CHARTS[chart](report), headers=SVG_HEADERS)

    @http("GET", "/kiosk")
    def kiosk_page(self, request):
        """The counter's tablet: the citizen evaluates the dossier just handed over."""
        return static_response("kiosk.html")

    @http("GET", "/feedback")
    def feedback_page(self, request):
        """The citizen's feedback page: send one, or follow one by its code."""
        return static_response("feedback.html")

    @http("GET", "/console/voice")
    def voice_page(self, request):
        """The leader's page of the console: satisfaction and feedback of their offices."""
        return static_response("voice.html")

    @timer(interval=60)
    def forget_submissions(self):
        self.submissions.forget_before(self.clock.now())
