"""The feedback service's read views (see services/common/keys.py), each query one `_id` range:
evaluations by office and when given; feedback by office (the officers' list), by when received,
by when answered (on time or late), open feedback by office, and unanswered feedback by due date
until its overdue notice is raised. No I/O."""

from contracts import feedback as fb
from services.common.keys import sort_key
from services.common.repository import Views

EVALUATED = "evaluations_given"
FEEDBACK_LIST, RECEIVED, ANSWERED, OPEN, DEADLINES = (
    "feedback_by_office",
    "feedback_received",
    "feedback_answered",
    "feedback_open",
    "feedback_deadlines",
)


def evaluation_entries(ev: dict) -> dict[str, dict[str, dict]]:
    views: dict[str, dict[str, dict]] = {EVALUATED: {}}
    if ev.get("evaluated_at"):
        key = f"{ev['office_id']}|{sort_key(ev['evaluated_at'])}|{ev['_id']}"
        views[EVALUATED][key] = {"level": ev["level"]}
    return views


def feedback_entries(f: dict) -> dict[str, dict[str, dict]]:
    office, code = f["office_id"], f["_id"]
    views: dict[str, dict[str, dict]] = {
        FEEDBACK_LIST: {f"{office}|{code}": {}},
        RECEIVED: {f"{office}|{sort_key(f['received_at'])}|{code}": {}},
        ANSWERED: {},
        OPEN: {},
        DEADLINES: {},
    }
    if f["status"] == fb.ANSWERED:
        views[ANSWERED][f"{office}|{sort_key(f['answered_at'])}|{code}"] = {"timing": f["timing"]}
    else:
        views[OPEN][f"{office}|{code}"] = {"due_at": f["due_at"]}
        if not f["overdue_raised"]:
            views[DEADLINES][f"due|{sort_key(f['due_at'])}|{code}"] = {}
    return views


EVALUATION_VIEWS = Views((EVALUATED,), evaluation_entries)
FEEDBACK_VIEWS = Views((FEEDBACK_LIST, RECEIVED, ANSWERED, OPEN, DEADLINES), feedback_entries)
