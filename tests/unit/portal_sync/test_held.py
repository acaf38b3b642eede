"""The events a portal-sync process holds unacknowledged (service.HeldEvents), and a held
message's acknowledgement (messaging.Held), whichever of release and attach comes first."""

from datetime import UTC, datetime

from services.common.messaging import Held
from services.portal_sync import inbox
from services.portal_sync.service import HeldEvents

AT = datetime(2026, 12, 6, 13, 0, 0, 123456, tzinfo=UTC)
BODY = {"dossier_code": "X28720-261206-0001", "message_id": "m1", "type": "dossier_forwarded"}


def test_a_release_before_or_after_the_attach_acks_once():
    acks: list[str] = []
    early, late = Held(), Held()
    early.release()
    assert acks == []
    early.attach(lambda: acks.append("early"))
    late.attach(lambda: acks.append("late"))
    assert acks == ["early"]
    late.release()
    assert acks == ["early", "late"]


def test_one_message_delivered_twice_in_one_millisecond_is_acked_twice():
    held = HeldEvents()
    held.setup()
    acks: list[int] = []
    first = inbox.entry(AT, "routing", BODY)
    second = inbox.entry(AT.replace(microsecond=123999), "routing", BODY)
    assert first["_id"] == second["_id"]  # the same key: an outbox entry published again
    for n, entry in enumerate((first, second)):
        held.add(entry).attach(lambda n=n: acks.append(n))
    assert len(held.entries()) == 2
    held.release(held.entries())
    assert sorted(acks) == [0, 1]
    assert held.entries() == []
