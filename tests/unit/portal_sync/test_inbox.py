"""The portal sync's inbox (services/portal_sync/inbox.py): a dossier's events are folded once
they stop coming for a moment, or once the first has waited long enough; events without a
receipt are parked in the end."""

from datetime import UTC, datetime, timedelta

from services.portal_sync import inbox

T0 = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)


def event(code: str, seconds: float, n: int) -> dict:
    body = {"dossier_code": code, "message_id": f"m{n}"}
    return inbox.entry(T0 + timedelta(seconds=seconds), "routing", body)


def test_a_dossier_is_ready_once_its_events_stop_coming():
    entries = [event("A", 0, 1), event("B", 0.5, 2), event("A", 1, 3), event("B", 2.5, 4)]
    ready = inbox.ready(list(reversed(entries)), T0 + timedelta(seconds=3))
    assert list(ready) == ["A"]  # B's last event came 0.5 s ago
    assert [e["body"]["message_id"] for e in ready["A"]] == ["m1", "m3"]  # in order of arrival
    assert list(inbox.ready(entries, T0 + timedelta(seconds=4.5))) == ["A", "B"]


def test_a_dossier_whose_events_keep_coming_is_folded_after_the_longest_wait():
    entries = [event("A", s, s) for s in range(12)]
    assert inbox.ready(entries, T0 + timedelta(seconds=9.5)) == {}
    assert len(inbox.ready(entries, T0 + timedelta(seconds=10.5))["A"]) == 12


def test_events_without_a_receipt_are_parked_after_a_while():
    entries = [event("A", 0, 1)]
    assert not inbox.orphaned(entries, T0 + timedelta(minutes=9))
    assert inbox.orphaned(entries, T0 + inbox.ORPHAN_AFTER)
    parked = inbox.parked(entries[0])
    assert parked["_id"].startswith("parked|") and parked["_id"].endswith("|A|m1")
    assert inbox.arrived(parked) == inbox.arrived(entries[0])
