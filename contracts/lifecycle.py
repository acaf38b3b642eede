"""Dossier lifecycle: states, who may move which state to which, national status codes."""

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contracts.calendar import WorkingCalendar

RECEIVED = "received"
NOT_ACCEPTED = "not_accepted"
AWAITING_ACCEPTANCE = "awaiting_acceptance"
IN_PROCESS = "in_process"
SUPPLEMENT_REQUESTED = "supplement_requested"
RESOLVED = "resolved"
REFUSED = "refused"
READY_AT_COUNTER = "ready_at_counter"
RETURNING_BY_POST = "returning_by_post"
RETURNED = "returned"
WITHDRAWN = "withdrawn"
STOPPED = "stopped"

# The national portal's codes (docs/domain.md#national-status-codes): one table, every state to
# its TrangThaiHoSo, every channel to its KenhThucHien. Codes 1 (registered online, not yet
# checked) and 6 (financial obligation) belong to states that come with online submission and
# money; they are named here so that the table is whole.
NATIONAL_STATUS_NAMES = {
    1: "newly registered",
    2: "accepted",
    3: "not accepted",
    4: "processing",
    5: "supplement requested",
    6: "financial obligation requested",
    7: "withdrawn by citizen",
    8: "processing stopped",
    9: "resolved",
    10: "result returned",
}
NATIONAL_STATUS = {
    RECEIVED: 2,
    NOT_ACCEPTED: 3,
    AWAITING_ACCEPTANCE: 4,
    IN_PROCESS: 4,
    SUPPLEMENT_REQUESTED: 5,
    RESOLVED: 9,
    REFUSED: 9,
    READY_AT_COUNTER: 9,
    RETURNING_BY_POST: 9,
    RETURNED: 10,
    WITHDRAWN: 7,
    STOPPED: 8,
}
NATIONAL_CHANNEL = {"counter": 1, "online": 2, "post": 3}
CHANNELS = tuple(NATIONAL_CHANNEL)
STATES = tuple(NATIONAL_STATUS)
INITIAL_STATES = (RECEIVED, NOT_ACCEPTED)  # a dossier refused at the counter starts final
FINAL_STATES = frozenset({NOT_ACCEPTED, RETURNED, WITHDRAWN, STOPPED})

STATE_LABELS_VI = {
    RECEIVED: "Đã tiếp nhận",
    NOT_ACCEPTED: "Không tiếp nhận",
    AWAITING_ACCEPTANCE: "Đã chuyển đến cơ quan giải quyết",
    IN_PROCESS: "Đang giải quyết",
    SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung hồ sơ",
    RESOLVED: "Đã có kết quả",
    REFUSED: "Từ chối giải quyết",
    READY_AT_COUNTER: "Kết quả đã về Bộ phận Một cửa, chờ trả",
    RETURNING_BY_POST: "Đang chuyển trả kết quả qua bưu chính",
    RETURNED: "Đã trả kết quả",
    WITHDRAWN: "Công dân đã rút hồ sơ",
    STOPPED: "Dừng giải quyết",
}

RECEIVER, HANDLER, LEADER, SYSTEM = "receiver", "handler", "leader", "system"
ROLES = (RECEIVER, HANDLER, LEADER, SYSTEM)

ACCEPT, REQUEST_SUPPLEMENT, SUPPLEMENT = "accept", "request_supplement", "supplement"
RESOLVE, REFUSE, EXTEND, STOP = "resolve", "refuse", "extend", "stop"
WITHDRAW, RETURN_RESULT, HAND_OVER = "withdraw", "return_result", "hand_over"
ACTIONS = (
    ACCEPT,
    REQUEST_SUPPLEMENT,
    SUPPLEMENT,
    RESOLVE,
    REFUSE,
    EXTEND,
    STOP,
    WITHDRAW,
    RETURN_RESULT,
    HAND_OVER,
)
# Internal transitions, applied by the system (role "system"), never by an officer.
FORWARD, RESULT_ARRIVED = "forward", "result_arrived"
POST_DELIVERED, POST_RETURNED = "post_delivered", "post_returned"
SYSTEM_ACTIONS = (FORWARD, RESULT_ARRIVED, POST_DELIVERED, POST_RETURNED)

_OFFICE = frozenset({HANDLER, LEADER})  # at the office holding the dossier
_COUNTER = frozenset({RECEIVER})  # at the receiving counter
_SYSTEM = frozenset({SYSTEM})

# (state, action) -> (new state, roles allowed). Where an officer must be (holding office or
# receiving counter) is checked by the service; this table knows roles only.
TRANSITIONS: dict[tuple[str, str], tuple[str, frozenset[str]]] = {
    (AWAITING_ACCEPTANCE, ACCEPT): (IN_PROCESS, _OFFICE),
    (IN_PROCESS, REQUEST_SUPPLEMENT): (SUPPLEMENT_REQUESTED, _OFFICE),
    # At a step that is not the last, "resolve" means "my step is done": the service then
    # forwards (IN_PROCESS -> AWAITING_ACCEPTANCE at the next office) instead of resolving.
    (IN_PROCESS, RESOLVE): (RESOLVED, _OFFICE),
    (IN_PROCESS, REFUSE): (REFUSED, _OFFICE),
    (IN_PROCESS, EXTEND): (IN_PROCESS, _OFFICE),
    (AWAITING_ACCEPTANCE, EXTEND): (AWAITING_ACCEPTANCE, _OFFICE),
    (IN_PROCESS, STOP): (STOPPED, frozenset({LEADER})),
    (SUPPLEMENT_REQUESTED, SUPPLEMENT): (IN_PROCESS, _COUNTER),
    (RECEIVED, WITHDRAW): (WITHDRAWN, _COUNTER),
    (AWAITING_ACCEPTANCE, WITHDRAW): (WITHDRAWN, _COUNTER),
    (IN_PROCESS, WITHDRAW): (WITHDRAWN, _COUNTER),
    (SUPPLEMENT_REQUESTED, WITHDRAW): (WITHDRAWN, _COUNTER),
    (READY_AT_COUNTER, HAND_OVER): (RETURNED, _COUNTER),
    (READY_AT_COUNTER, RETURN_RESULT): (RETURNING_BY_POST, _COUNTER),
    (RECEIVED, FORWARD): (AWAITING_ACCEPTANCE, _SYSTEM),
    (AWAITING_ACCEPTANCE, FORWARD): (AWAITING_ACCEPTANCE, _SYSTEM),
    (IN_PROCESS, FORWARD): (AWAITING_ACCEPTANCE, _SYSTEM),
    (RESOLVED, RESULT_ARRIVED): (READY_AT_COUNTER, _SYSTEM),
    (REFUSED, RESULT_ARRIVED): (READY_AT_COUNTER, _SYSTEM),
    (RETURNING_BY_POST, POST_DELIVERED): (RETURNED, _SYSTEM),
    (RETURNING_BY_POST, POST_RETURNED): (READY_AT_COUNTER, _SYSTEM),
}


class IllegalTransition(ValueError):
    """The action is not allowed in this state for this role; `allowed` lists what is."""

    def __init__(self, state: str, action: str, allowed: list[str], role: str | None = None):
        self.state, self.action, self.allowed, self.role = state, action, allowed, role
        who = f" by {role}" if role else ""
        options = ", ".join(allowed) or "none"
        super().__init__(f"cannot {action}{who} a dossier in state {state}; allowed: {options}")


def _check(state: str, role: str) -> None:
    if state not in NATIONAL_STATUS:
        raise ValueError(f"unknown state {state!r}")
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")


def allowed_actions(state: str, role: str) -> list[str]:
    _check(state, role)
    return [a for (s, a), (_, roles) in TRANSITIONS.items() if s == state and role in roles]


def transition(state: str, action: str, role: str) -> str:
    """The state after `role` applies `action` to a dossier in `state`, or IllegalTransition."""
    _check(state, role)
    new_state, roles = TRANSITIONS.get((state, action), (None, frozenset()))
    if new_state is None or role not in roles:
        raise IllegalTransition(state, action, allowed_actions(state, role), role)
    return new_state


def national_status(state: str) -> int:
    try:
        return NATIONAL_STATUS[state]
    except KeyError:
        raise ValueError(f"unknown state {state!r}") from None


def national_channel(channel: str) -> int:
    try:
        return NATIONAL_CHANNEL[channel]
    except KeyError:
        raise ValueError(f"unknown channel {channel!r}") from None


def is_final(state: str) -> bool:
    national_status(state)
    return state in FINAL_STATES


def classify(
    finished_at: datetime, due_at: datetime, supplement_requests: int, calendar: "WorkingCalendar"
) -> str:
    """Decision 766: "late" if finished after the due instant or after more than one supplement
    request; "early" if finished on a day before the due day (in the calendar's timezone);
    else "on_time". `due_at` must already include any supplement pause."""
    if supplement_requests > 1 or finished_at > due_at:
        return "late"
    if calendar.local(finished_at).date() < calendar.local(due_at).date():
        return "early"
    return "on_time"
