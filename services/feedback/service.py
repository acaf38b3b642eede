"""The feedback nameko service: the evaluation a returned dossier invites (by SMS, on the
tracking page or at the counter's kiosk, once), citizens' feedback (phản ánh, kiến nghị) with its
code and due date, assigned and answered by the office's leaders, the overdue notice raised
once, and each office's figures. Entrypoints are thin; decisions come from domain.py."""

import contextlib
import hmac
from datetime import date, timedelta

from marshmallow import ValidationError
from nameko.dependency_providers import Config
from nameko.timer import timer

from contracts import feedback as fb
from contracts.api import OfficerSchema
from contracts.calendar import WorkingCalendar, period
from contracts.envelope import load_message, make_envelope
from contracts.errors import IllegalAction, InvalidInput, NotFoundError
from contracts.events import ROUTING_EVENTS
from contracts.offices import UnknownOffice, load_offices
from services.common import observability
from services.common.clock import Clock
from services.common.messaging import OutboxPublisher, event_entry, event_handler
from services.common.repository import Change, NotFound
from services.common.rpc import rpc
from services.feedback import domain
from services.feedback.store import FeedbackStore


def _within(office_id: str, ancestor_id: str) -> bool:
    try:
        return load_offices().is_within(office_id, ancestor_id)
    except UnknownOffice:
        return False


def _load(schema, body: dict, what: str) -> dict:
    try:
        loaded: dict = schema.load(body)
    except ValidationError as exc:
        raise InvalidInput(
            "invalid_input", f"{what} is not valid", {"fields": exc.messages}
        ) from None
    return loaded


class FeedbackService(observability.Observed):
    name = "feedback"

    store = FeedbackStore()
    outbox = OutboxPublisher()
    clock = Clock()
    config = Config()

    def _entries(self, subject: str, events: domain.Events, sequence: int) -> list[dict]:
        now = self.clock.now()
        return [
            event_entry(
                self.name,
                make_envelope(type_, subject, sequence, fb.FeedbackEventSchema().dump(body), now),
            )
            for type_, body in events
        ]

    def _change(self, repository, _id: str, decide, message_id: str | None = None):
        """Decide on the aggregate as stored: `decide(doc)` -> (changes, events)."""

        def change(doc: dict) -> Change | None:
            changes, events = decide(doc)
            if not changes:
                return None
            return Change(changes, {}, lambda seq: self._entries(_id, events, seq))

        return repository.change(_id, change, message_id, self.outbox)

    # ---- evaluations
    def _invite(self, body) -> None:
        envelope, event = load_message(body, ROUTING_EVENTS)
        code = envelope["dossier_code"]
        if self.store.evaluation(code) is not None:
            return  # returned twice (post, then counter): one invitation
        office = event.get("receiving_office_id") or event["office_id"]
        ev = domain.invitation(code, office, self.clock.now())
        entries = self._entries(code, domain.invited_events(ev), 1)
        self.store.evaluations.create(ev, entries, envelope["message_id"], self.outbox)

    @event_handler("routing", "result_handed_over")
    def on_result_handed_over(self, body):
        self._invite(body)

    @event_handler("routing", "result_delivered_by_post")
    def on_result_delivered_by_post(self, body):
        self._invite(body)

    @rpc
    def evaluation(self, code: str) -> dict:
        """Whether the dossier may be evaluated (its result returned, not evaluated yet)."""
        return domain.evaluation_view(self.store.evaluation(code))

    @rpc
    def evaluate(self, code: str, body: dict, channel: str) -> dict:
        """The dossier's one evaluation: 409 `not_returned` before its result is returned,
        409 `already_evaluated` after it has one."""
        request = _load(fb.EvaluationSchema(), body, "the evaluation")
        if channel not in fb.CHANNELS:
            raise InvalidInput("invalid_channel", f"channel must be one of {fb.CHANNELS}")
        if self.store.evaluation(code) is None:
            raise IllegalAction(
                "not_returned", "a dossier is evaluated once its result has been returned"
            )
        now = self.clock.now()
        committed = self._change(
            self.store.evaluations,
            code,
            lambda ev: domain.evaluate(ev, request["level"], request["answers"], channel, now),
        )
        return domain.evaluation_view(committed.doc)

    # ---- feedback
    @rpc
    def submit(self, body: dict, office_id: str, phone: str) -> dict:
        """A citizen's feedback for `office_id` from `phone` (checked by the gateway): its code,
        its due date in working days; the citizen's view."""
        request = _load(fb.FeedbackSubmissionSchema(), body, "the feedback")
        now = self.clock.now()
        calendar = WorkingCalendar()
        day = calendar.local(now).date()
        number = self.store.next_number(office_id, f"{day:%y%m%d}")
        code = fb.format_feedback_code(office_id, day, number)
        due = domain.due_at(now, calendar, fb.load_satisfaction().feedback_due_days)
        f = domain.new_feedback(code, request, office_id, phone, now, due)
        entries = self._entries(code, domain.submitted_events(f), 1)
        self.store.feedback.create(f, entries, None, self.outbox)
        return domain.citizen_view(f)

    def _feedback(self, code: str) -> dict:
        try:
            return self.store.feedback.get(code)
        except NotFound:
            raise NotFoundError("unknown_feedback", "no feedback with that code") from None

    @rpc
    def for_citizen(self, code: str, phone_tail: str) -> dict:
        """The citizen's view of their feedback: the code and the phone's last four digits, or
        the same 404 for either wrong."""
        f = None
        if fb.is_feedback_code(code):
            with contextlib.suppress(NotFound):
                f = self.store.feedback.get(code)
        if f is None or not hmac.compare_digest(f["phone"][-4:], phone_tail):
            raise NotFoundError("not_found", "no feedback with that code and phone number")
        return domain.citizen_view(f)

    @rpc
    def for_officer(self, code: str) -> dict:
        return domain.officer_view(self._feedback(code), self.clock.now())

    @rpc
    def of_offices(self, office_ids: list[str]) -> list[dict]:
        now = self.clock.now()
        return [domain.officer_view(f, now) for f in self.store.of_offices(office_ids)]

    def _handle(self, code: str, body: dict, officer: dict, schema, decide) -> dict:
        """An officer's step on a feedback: `decide(f, request, officer, now)` decides it."""
        request = _load(schema, body, "the request")
        officer = _load(OfficerSchema(), officer, "the officer")
        self._feedback(code)
        now = self.clock.now()
        committed = self._change(
            self.store.feedback, code, lambda f: decide(f, request, officer, now)
        )
        return domain.officer_view(committed.doc, now)

    @rpc
    def assign(self, code: str, body: dict, officer: dict) -> dict:
        """{"assignee": name}: who handles it (a leader of its office or above)."""
        return self._handle(
            code,
            body,
            officer,
            fb.AssignSchema(),
            lambda f, r, o, now: domain.assign(f, r["assignee"], o, _within, now),
        )

    @rpc
    def answer(self, code: str, body: dict, officer: dict) -> dict:
        """{"answer": text}: the answer, once (a leader, or the officer it was assigned to)."""
        return self._handle(
            code,
            body,
            officer,
            fb.AnswerSchema(),
            lambda f, r, o, now: domain.answer(f, r["answer"], o, _within, now),
        )

    @timer(interval=5)
    def raise_overdue(self):
        """Feedback unanswered past its due date: raised to the office once."""
        now = self.clock.now()
        for code in self.store.past_due(now):
            self._change(self.store.feedback, code, lambda f: domain.overdue(f, now))

    @timer(interval=5)
    def sweep(self):
        self.store.evaluations.sweep(self.outbox)
        self.store.feedback.sweep(self.outbox)

    # ---- figures
    @rpc
    def months(self, office_ids: list[str], from_date: str, to_date: str) -> list[dict]:
        """The satisfaction of the offices together, month by month, for the days from..to."""
        start, end = self._period(from_date, to_date)
        calendar = WorkingCalendar()
        first, last = calendar.local(start), calendar.local(end - timedelta(microseconds=1))
        months, month = [], first.replace(day=1).date()
        while month <= last.date():
            months.append(f"{month:%Y-%m}")
            month = (month + timedelta(days=32)).replace(day=1)
        given = self.store.evaluations_given(office_ids, start, end)
        return domain.by_month(given, months, calendar)

    def _period(self, from_date: str, to_date: str):
        try:
            return period(
                date.fromisoformat(from_date), date.fromisoformat(to_date), WorkingCalendar().tz
            )
        except (TypeError, ValueError) as exc:
            raise InvalidInput("invalid_period", f"from and to must be dates: {exc}") from None

    @rpc
    def figures(self, office_ids: list[str], from_date: str, to_date: str) -> list[dict]:
        """Each office's evaluations and feedback for the local days from..to."""
        start, end = self._period(from_date, to_date)
        now = self.clock.now()
        return [
            {
                "office_id": o,
                "from": from_date,
                "to": to_date,
                **self.store.figures(o, start, end, now),
            }
            for o in office_ids
        ]
