"""The portal sync's inbox, as plain functions: the events on their way into a dossier's record.

An event that changes what the portal is told is held as it came (an entry keyed by when it
arrived), unacknowledged in the process that received it; once a dossier has had no new event
for QUIET, or its first one has waited LONGEST, its events are folded into its record in one
version, which takes the lease of the push at once (record.fold). A receipt and the fee,
forwarding and arrival that follow it within a second thus cost the sync one version and one
push, not one version each, and no write of their own.

An event is acknowledged once what it changed is handed on (record.handed_on): pushed, parked,
or in the queue view for a try after a failure. Events that cannot be folded yet (their
dossier's receipt has not come, or went to another process) are stored in the inbox collection
under the same keys and folded from there; those whose receipt has not come after ORPHAN_AFTER
are parked under their own prefix for an operator (`make portal-status`). Keys use the wall
clock, not the settable clock: the wait is the service's own, not the dossier's. No I/O here."""

from collections import defaultdict
from datetime import datetime, timedelta

from services.common.keys import sort_key

WAITING, PARKED = "waiting", "parked"
QUIET = timedelta(seconds=2)  # a dossier's events are folded once none came for this long
LONGEST = timedelta(seconds=10)  # … or once its first has waited this long
ORPHAN_AFTER = timedelta(minutes=10)  # events without a receipt are parked after this


def key(prefix: str, arrived: datetime, code: str, message_id: str) -> str:
    """An entry's `_id`: in the order of arrival, then by dossier."""
    return f"{prefix}|{sort_key(arrived)}|{code}|{message_id}"


def entry(arrived: datetime, source: str, body: dict) -> dict:
    """The inbox entry of an event (`body` as it came off the bus, validated)."""
    _id = key(WAITING, arrived, body["dossier_code"], str(body["message_id"]))
    return {"_id": _id, "code": body["dossier_code"], "source": source, "body": body}


def parked(found: dict) -> dict:
    """An entry moved under the parked prefix, its key otherwise the same."""
    return {**found, "_id": f"{PARKED}|{found['_id'].partition('|')[2]}"}


def arrived(found: dict) -> str:
    """When an entry arrived, as its sort key."""
    return found["_id"].split("|")[1]


def ready(entries: list[dict], now: datetime) -> dict[str, list[dict]]:
    """The dossiers whose waiting entries are to be folded now ({code: its entries, in the order
    they arrived}), the longest waiting first."""
    by_code: dict[str, list[dict]] = defaultdict(list)
    for found in sorted(entries, key=lambda e: e["_id"]):
        by_code[found["code"]].append(found)
    quiet, longest = sort_key(now - QUIET), sort_key(now - LONGEST)
    return {
        code: mine
        for code, mine in by_code.items()
        if arrived(mine[-1]) <= quiet or arrived(mine[0]) <= longest
    }


def orphaned(entries: list[dict], now: datetime) -> bool:
    """Whether a dossier's entries have waited too long for its receipt."""
    return arrived(entries[0]) <= sort_key(now - ORPHAN_AFTER)
