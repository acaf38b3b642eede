"""Routing's read views: each question routing answers at scale is one `_id` range.

FerretDB 1.24 (SQLite) only reads by `_id` from an index; the local build's id-range patch
(deploy/ferretdb/id-range.patch) makes `{"_id": {"$gte": a, "$lt": b}}` an index range too,
returned in `_id` order. So every view below is a collection whose `_id` is built to make each
query one range, kept by the dossiers' repository (services/common/repository.py) with every
change: a collection per view on FerretDB, a secondary index on MongoDB:

- worklist: `<office_id>|<part>|<due>|<code>` for each open dossier at its office, `part` being
  `i` (incoming: transferred here, not yet received by an officer) or `h` (in hand); a part of
  an office's worklist, soonest due first, is the range of its prefix; a page is the first rows
  of the range that starts past the last row of the page before; both parts together are the
  two ranges merged.
- due: `<due>|<code>` for active, unpaused dossiers that may still raise an alert for their
  current step; the due-alert timer reads the range up to its horizon.

Keys use only characters the patch pushes down ([#-~]): office ids, codes, digits, `T`, `|`.
No I/O here.
"""

from datetime import datetime

from contracts import lifecycle as lc
from services.common.keys import prefix_range, sort_key
from services.common.repository import Views
from services.routing.domain import ALERTING

WORKLIST, DUE = "worklist", "due"
PARTS = {"incoming": "i", "in_hand": "h"}  # the worklist's parts and their key letters
OPEN_STATES = frozenset(s for s in lc.STATES if s not in lc.FINAL_STATES)
ALERT_FIELDS = (
    "state",
    "step_index",
    "current_due_at",
    "paused_at",
    "finished_at",
    "due_soon_steps",
    "overdue_steps",
)
HIDDEN = ("_id", "history", "handovers")


def part_of(d: dict) -> str:
    """The worklist part a dossier at its office is in."""
    return "incoming" if d["state"] == lc.AWAITING_ACCEPTANCE else "in_hand"


def worklist_range(office_id: str, part: str, after: str | None = None) -> dict:
    """The keys of one part of an office's worklist, or those that follow `<after>` there:
    every key past it starts with it plus a character from '#' on, or is greater still."""
    prefix = f"{office_id}|{PARTS[part]}"
    if after is None:
        return prefix_range(prefix)
    return {"$gte": f"{prefix}|{after}#", "$lt": f"{prefix}}}"}


def due_range(horizon: datetime) -> dict:
    """Every due-view `_id` whose instant is at or before `horizon`."""
    return {"$lt": f"{sort_key(horizon)}}}"}


def entries(d: dict) -> dict[str, dict[str, dict]]:
    """The view documents of one dossier: {collection: {_id: document}}."""
    code = d["_id"]
    views: dict[str, dict[str, dict]] = {WORKLIST: {}, DUE: {}}
    if d["at_office"] and d["state"] in OPEN_STATES:
        part = PARTS[part_of(d)]
        key = f"{d['office_id']}|{part}|{sort_key(d['current_due_at'])}|{code}"
        views[WORKLIST][key] = {k: v for k, v in d.items() if k not in HIDDEN}
    if (
        d["state"] in ALERTING
        and not d.get("paused_at")
        and d["step_index"] not in d["overdue_steps"]
    ):
        key = f"{sort_key(d['current_due_at'])}|{code}"
        views[DUE][key] = {k: d.get(k) for k in ALERT_FIELDS}
    return views


VIEWS = Views((WORKLIST, DUE), entries)
