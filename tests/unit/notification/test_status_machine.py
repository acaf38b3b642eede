"""The SMS status machine (services/notification/domain.py STATUS_FROM, moved): every move from
every status to every status, the history's order, and the SMS_OF table against the templates
and the events of the services it listens to."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from contracts.documents import DOCUMENT_EVENTS
from contracts.events import INTAKE_EVENTS, PAYMENT_EVENTS, POSTAL_EVENTS, ROUTING_EVENTS
from contracts.feedback import FEEDBACK_EVENTS
from services.common.repository import KEEP, Change
from services.notification import domain
from services.notification.templates import load_templates

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
FIELDS = {"gateway_refs": ["ref-1"], "attempts": 2}

# The machine as the domain states it (domain.STATUS_FROM's comment): each status and the
# statuses a message may enter it from. Written out here so that a change to either is seen.
FINAL = ("delivered", "failed", "expired", "rejected")
ALLOWED = {
    ("queued", "sending"),  # claimed by one sender
    ("sending", "queued"),  # an attempt failed: retried later
    ("sending", "sent"),
    ("sent", "sent"),  # a "sent" report repeating the gateway's answer
    *((before, final) for before in ("sending", "sent", "queued") for final in FINAL),
}
STATUSES = ("queued", "sending", "sent", *FINAL)
PAIRS = list(itertools.product(STATUSES, STATUSES))


def message(status, *history_at):
    return {
        "_id": "m1",
        "status": status,
        "history": [{"at": at, "status": status, "detail": ""} for at in history_at],
    }


def test_the_table_is_the_machine():
    assert set(domain.STATUS_FROM) == set(STATUSES)
    assert {(f, t) for t, froms in domain.STATUS_FROM.items() for f in froms} == ALLOWED


@pytest.mark.parametrize("fields", [None, FIELDS], ids=["no fields", "fields"])
@pytest.mark.parametrize("from_status, to_status", PAIRS)
def test_every_move(from_status, to_status, fields):
    m = message(from_status, NOW - timedelta(minutes=1))
    change = domain.moved(m, NOW, to_status, "why", fields)
    stays_put_with_nothing_to_record = from_status == to_status and not fields
    if (from_status, to_status) not in ALLOWED or stays_put_with_nothing_to_record:
        assert change is None or change is KEEP
        return
    assert isinstance(change, Change)
    assert change.set == {"status": to_status, "updated_at": NOW, **(fields or {})}
    assert change.push == {"history": [{"at": NOW, "status": to_status, "detail": "why"}]}
    assert change.messages is None


@pytest.mark.parametrize("final", FINAL)
@pytest.mark.parametrize("to_status", STATUSES)
def test_nothing_leaves_a_final_status(final, to_status):
    for fields in (None, FIELDS):
        assert domain.moved(message(final, NOW), NOW, to_status, "late", fields) is KEEP


def _later(status):
    """The statuses reachable from `status` by the test's own ALLOWED, in one move or more."""
    found, edge = set(), {status}
    while edge:
        edge = {t for f, t in ALLOWED if f in edge} - found
        found |= edge
    return found


@pytest.mark.parametrize("fields", [None, FIELDS], ids=["no fields", "fields"])
@pytest.mark.parametrize("from_status, to_status", PAIRS)
def test_a_move_that_no_later_status_allows_is_kept_without_a_look(from_status, to_status, fields):
    """KEEP (believed on the version read) exactly when the move is refused from where the
    message is and from every status it could come to later; None (check the latest) when a
    later status would allow it."""
    change = domain.moved(message(from_status, NOW), NOW, to_status, "", fields)
    if isinstance(change, Change):
        return

    def moves(source):
        return (source, to_status) in ALLOWED and (source != to_status or bool(fields))

    later_allows = any(moves(s) for s in _later(from_status))
    assert change is (None if later_allows else KEEP)


def test_repeated_and_late_reports_are_kept():
    assert domain.moved(message("sent", NOW), NOW, "sent") is KEEP  # type 8 after the answer
    assert domain.moved(message("delivered", NOW), NOW, "sent") is KEEP
    assert domain.moved(message("queued", NOW), NOW, "sent") is None  # may be sending later
    assert domain.moved(message("sent", NOW), NOW, "sent", "", FIELDS) is not KEEP


@pytest.mark.parametrize(
    "from_status, to_status, allowed",
    [
        ("delivered", "sent", False),  # a late gateway answer after the delivery report
        ("failed", "queued", False),
        ("expired", "sending", False),
        ("rejected", "queued", False),
        ("queued", "sent", False),  # never sent without being claimed
        ("queued", "queued", False),
        ("sending", "sending", False),  # claimed once
        ("queued", "delivered", True),  # the report overtook the gateway's answer
        ("sent", "failed", True),
    ],
)
def test_named_moves(from_status, to_status, allowed):
    change = domain.moved(message(from_status), NOW, to_status, "", FIELDS)
    assert isinstance(change, Change) == allowed


@pytest.mark.parametrize("status", STATUSES)
def test_the_same_status(status):
    assert not isinstance(domain.moved(message(status, NOW), NOW, status), Change)
    assert not isinstance(domain.moved(message(status, NOW), NOW, status, "again", {}), Change)
    with_fields = domain.moved(message(status, NOW), NOW, status, "again", FIELDS)
    if (status, status) in ALLOWED:  # "sent" only: the gateway's refs after a "sent" report
        assert isinstance(with_fields, Change)
        assert with_fields.set == {"status": status, "updated_at": NOW, **FIELDS}
    else:
        assert not isinstance(with_fields, Change)


@pytest.mark.parametrize(
    "history_at, expected_at",
    [
        ((), NOW),
        ((NOW - timedelta(seconds=5),), NOW),
        ((NOW,), NOW),
        ((NOW + timedelta(seconds=2),), NOW + timedelta(seconds=2)),  # a report came first
        ((NOW + timedelta(hours=1), NOW - timedelta(seconds=1)), NOW),  # only the last counts
        ((NOW - timedelta(hours=1), NOW + timedelta(seconds=1)), NOW + timedelta(seconds=1)),
    ],
)
@pytest.mark.parametrize("from_status, to_status", sorted(ALLOWED - {("sent", "sent")}))
def test_history_is_never_dated_before_the_last_entry(
    history_at, expected_at, from_status, to_status
):
    m = message(from_status, *history_at)
    before = [dict(h) for h in m["history"]]
    change = domain.moved(m, NOW, to_status, "dlr")
    (entry,) = change.push["history"]
    assert entry == {"at": expected_at, "status": to_status, "detail": "dlr"}
    assert all(entry["at"] >= h["at"] for h in m["history"][-1:])
    assert change.set["updated_at"] == NOW  # the record's own clock is not moved
    assert m["history"] == before and m["status"] == from_status  # the message is untouched


def test_a_message_without_history():
    m = {"_id": "m1", "status": "queued"}
    change = domain.moved(m, NOW, "sending", "claimed")
    assert change.push == {"history": [{"at": NOW, "status": "sending", "detail": "claimed"}]}


# ---------------------------------------------------------------- which events send an SMS

EVENTS_OF = {
    "intake": INTAKE_EVENTS,
    "routing": ROUTING_EVENTS,
    "postal": POSTAL_EVENTS,
    "payment": PAYMENT_EVENTS,
    "documents": DOCUMENT_EVENTS,
    "feedback": FEEDBACK_EVENTS,
}


@pytest.mark.parametrize("source, event", sorted(domain.SMS_OF))
def test_every_sms_event_is_an_event_of_its_service(source, event):
    assert source in EVENTS_OF
    assert event in EVENTS_OF[source]


@pytest.mark.parametrize("template_id", sorted(set(domain.SMS_OF.values())))
def test_every_sms_template_exists(template_id):
    assert template_id in load_templates()


def test_one_template_per_event_name():
    assert len(domain.TEMPLATE_OF) == len(domain.SMS_OF)  # no event name in two services
    assert domain.template_choices(None) == domain.TEMPLATE_OF
