"""Dossier lifecycle: states, who may move which state to which, national status codes."""

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contracts.calendar import WorkingCalendar

AWAITING_FEE = "awaiting_fee"  # registered; not accepted until its fee is paid online
RECEIVED = "received"
NOT_ACCEPTED = "not_accepted"
AWAITING_ACCEPTANCE = "awaiting_acceptance"
IN_PROCESS = "in_process"
SUPPLEMENT_REQUESTED = "supplement_requested"
OBLIGATION_REQUESTED = "obligation_requested"  # a tax or levy to pay; the clock stops
RESOLVED = "resolved"
REFUSED = "refused"
READY_AT_COUNTER = "ready_at_counter"
RETURNING_BY_POST = "returning_by_post"
RETURNED = "returned"
WITHDRAWN = "withdrawn"
STOPPED = "stopped"
# Filed online (issue 20): registered with its code at once, waiting for the receiving counter
# to check its documents; the clock starts when the counter accepts it.
SUBMITTED_ONLINE = "submitted_online"
ONLINE_SUPPLEMENT_REQUESTED = "online_supplement_requested"  # form 02 before acceptance

# The national portal's codes (docs/domain.md#national-status-codes): one table, every state to
# its TrangThaiHoSo, every channel to its KenhThucHien. Code 1 (newly registered) is a dossier
# whose fee is to be paid online before it is accepted; 6 a financial obligation requested.
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
    AWAITING_FEE: 1,
    RECEIVED: 2,
    NOT_ACCEPTED: 3,
    AWAITING_ACCEPTANCE: 4,
    IN_PROCESS: 4,
    SUPPLEMENT_REQUESTED: 5,
    OBLIGATION_REQUESTED: 6,
    RESOLVED: 9,
    REFUSED: 9,
    READY_AT_COUNTER: 9,
    RETURNING_BY_POST: 9,
    RETURNED: 10,
    WITHDRAWN: 7,
    STOPPED: 8,
    SUBMITTED_ONLINE: 1,
    ONLINE_SUPPLEMENT_REQUESTED: 5,
}
NATIONAL_CHANNEL = {"counter": 1, "online": 2, "post": 3}
CHANNELS = tuple(NATIONAL_CHANNEL)
STATES = tuple(NATIONAL_STATUS)
INITIAL_STATES = (
    AWAITING_FEE,
    RECEIVED,
    NOT_ACCEPTED,
    SUBMITTED_ONLINE,
)  # a dossier refused at the counter starts final
FINAL_STATES = frozenset({NOT_ACCEPTED, RETURNED, WITHDRAWN, STOPPED})

STATE_LABELS_VI = {
    AWAITING_FEE: "Chờ nộp phí, lệ phí trực tuyến",
    RECEIVED: "Đã tiếp nhận",
    NOT_ACCEPTED: "Không tiếp nhận",
    AWAITING_ACCEPTANCE: "Đã chuyển đến cơ quan giải quyết",
    IN_PROCESS: "Đang giải quyết",
    SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung hồ sơ",
    OBLIGATION_REQUESTED: "Chờ thực hiện nghĩa vụ tài chính",
    RESOLVED: "Đã có kết quả",
    REFUSED: "Từ chối giải quyết",
    READY_AT_COUNTER: "Kết quả đã về Bộ phận Một cửa, chờ trả",
    RETURNING_BY_POST: "Đang chuyển trả kết quả qua bưu chính",
    RETURNED: "Đã trả kết quả",
    WITHDRAWN: "Công dân đã rút hồ sơ",
    STOPPED: "Dừng giải quyết",
    SUBMITTED_ONLINE: "Đã nộp trực tuyến, chờ kiểm tra",
    ONLINE_SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung trước khi tiếp nhận",
}

RECEIVER, HANDLER, LEADER, SYSTEM = "receiver", "handler", "leader", "system"
ROLES = (RECEIVER, HANDLER, LEADER, SYSTEM)

ACCEPT, REQUEST_SUPPLEMENT, SUPPLEMENT = "accept", "request_supplement", "supplement"
RESOLVE, REFUSE, EXTEND, STOP = "resolve", "refuse", "extend", "stop"
WITHDRAW, RETURN_RESULT, HAND_OVER = "withdraw", "return_result", "hand_over"
REQUEST_OBLIGATION = "request_obligation"  # a notice of financial obligation (status 6)
# The counter's check of a dossier filed online: accept it (status 2, the clock starts), ask for
# a supplement before accepting it (form 02), or refuse it (form 03)
ACCEPT_ONLINE, REFUSE_ONLINE = "accept_online", "refuse_online"
REQUEST_ONLINE_SUPPLEMENT = "request_online_supplement"
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
    REQUEST_OBLIGATION,
    ACCEPT_ONLINE,
    REQUEST_ONLINE_SUPPLEMENT,
    REFUSE_ONLINE,
)
# Internal transitions, applied by the system (role "system"), never by an officer.
FORWARD, RESULT_ARRIVED = "forward", "result_arrived"
POST_DELIVERED, POST_RETURNED = "post_delivered", "post_returned"
FEE_PAID, OBLIGATION_PAID = "fee_paid", "obligation_paid"  # the payment service says so
ONLINE_SUPPLEMENTED = "online_supplemented"  # the citizen uploaded what was missing
SYSTEM_ACTIONS = (
    FORWARD,
    RESULT_ARRIVED,
    POST_DELIVERED,
    POST_RETURNED,
    FEE_PAID,
    OBLIGATION_PAID,
    ONLINE_SUPPLEMENTED,
)

# Who may do what, and where: the one table of permissions. `where` is the receiving counter
# (the office that received the dossier; "receive" is at the officer's own counter) or the office
# holding the dossier (it must have arrived there). Reading is in contracts/access.py.
RECEIVE = "receive"
RECEIVING_COUNTER, HOLDING_OFFICE = "receiving_counter", "holding_office"
_OFFICERS, _COUNTER = frozenset({HANDLER, LEADER}), frozenset({RECEIVER})
PERMISSIONS: dict[str, tuple[frozenset[str], str]] = {
    RECEIVE: (frozenset({RECEIVER, LEADER}), RECEIVING_COUNTER),
    ACCEPT: (_OFFICERS, HOLDING_OFFICE),  # receiving a transfer signs the control sheet
    REQUEST_SUPPLEMENT: (_OFFICERS, HOLDING_OFFICE),
    REQUEST_OBLIGATION: (_OFFICERS, HOLDING_OFFICE),
    RESOLVE: (_OFFICERS, HOLDING_OFFICE),
    REFUSE: (_OFFICERS, HOLDING_OFFICE),
    EXTEND: (_OFFICERS, HOLDING_OFFICE),  # the apology (form 04)
    STOP: (frozenset({LEADER}), HOLDING_OFFICE),
    SUPPLEMENT: (_COUNTER, RECEIVING_COUNTER),  # the citizen brings the papers to the counter
    WITHDRAW: (_COUNTER, RECEIVING_COUNTER),
    HAND_OVER: (_COUNTER, RECEIVING_COUNTER),
    RETURN_RESULT: (_COUNTER, RECEIVING_COUNTER),
    ACCEPT_ONLINE: (frozenset({RECEIVER, LEADER}), RECEIVING_COUNTER),
    REQUEST_ONLINE_SUPPLEMENT: (frozenset({RECEIVER, LEADER}), RECEIVING_COUNTER),
    REFUSE_ONLINE: (frozenset({RECEIVER, LEADER}), RECEIVING_COUNTER),
    **{action: (frozenset({SYSTEM}), HOLDING_OFFICE) for action in SYSTEM_ACTIONS},
}
COUNTER_ACTIONS = frozenset(
    a for a, (_, where) in PERMISSIONS.items() if where == RECEIVING_COUNTER
)

# The state machine: (state, action) -> new state. Who may take an action is PERMISSIONS.
TRANSITIONS: dict[tuple[str, str], str] = {
    (AWAITING_ACCEPTANCE, ACCEPT): IN_PROCESS,
    (IN_PROCESS, REQUEST_SUPPLEMENT): SUPPLEMENT_REQUESTED,
    (IN_PROCESS, RESOLVE): RESOLVED,
    (IN_PROCESS, REFUSE): REFUSED,
    (IN_PROCESS, EXTEND): IN_PROCESS,
    (AWAITING_ACCEPTANCE, EXTEND): AWAITING_ACCEPTANCE,
    (IN_PROCESS, STOP): STOPPED,
    (SUPPLEMENT_REQUESTED, SUPPLEMENT): IN_PROCESS,
    (IN_PROCESS, REQUEST_OBLIGATION): OBLIGATION_REQUESTED,
    (OBLIGATION_REQUESTED, OBLIGATION_PAID): IN_PROCESS,
    (OBLIGATION_REQUESTED, STOP): STOPPED,
    (OBLIGATION_REQUESTED, WITHDRAW): WITHDRAWN,
    (AWAITING_FEE, FEE_PAID): RECEIVED,
    (AWAITING_FEE, WITHDRAW): WITHDRAWN,
    (RECEIVED, WITHDRAW): WITHDRAWN,
    (AWAITING_ACCEPTANCE, WITHDRAW): WITHDRAWN,
    (IN_PROCESS, WITHDRAW): WITHDRAWN,
    (SUPPLEMENT_REQUESTED, WITHDRAW): WITHDRAWN,
    (READY_AT_COUNTER, HAND_OVER): RETURNED,
    (READY_AT_COUNTER, RETURN_RESULT): RETURNING_BY_POST,
    (RECEIVED, FORWARD): AWAITING_ACCEPTANCE,
    (AWAITING_ACCEPTANCE, FORWARD): AWAITING_ACCEPTANCE,
    (IN_PROCESS, FORWARD): AWAITING_ACCEPTANCE,
    (RESOLVED, RESULT_ARRIVED): READY_AT_COUNTER,
    (REFUSED, RESULT_ARRIVED): READY_AT_COUNTER,
    (RETURNING_BY_POST, POST_DELIVERED): RETURNED,
    (RETURNING_BY_POST, POST_RETURNED): READY_AT_COUNTER,
    (SUBMITTED_ONLINE, ACCEPT_ONLINE): RECEIVED,  # AWAITING_FEE while its fee is unpaid
    (SUBMITTED_ONLINE, REQUEST_ONLINE_SUPPLEMENT): ONLINE_SUPPLEMENT_REQUESTED,
    (SUBMITTED_ONLINE, REFUSE_ONLINE): NOT_ACCEPTED,
    (ONLINE_SUPPLEMENT_REQUESTED, ONLINE_SUPPLEMENTED): SUBMITTED_ONLINE,
    (ONLINE_SUPPLEMENT_REQUESTED, REFUSE_ONLINE): NOT_ACCEPTED,
    (SUBMITTED_ONLINE, WITHDRAW): WITHDRAWN,
    (ONLINE_SUPPLEMENT_REQUESTED, WITHDRAW): WITHDRAWN,
}
# At a step that is not the last, an officer's "resolve" means "my step is done": the dossier is
# handed on to the next office (the system's forward), not resolved.
AT_A_MIDDLE_STEP = {RESOLVE: FORWARD}


def roles_of(action: str) -> frozenset[str]:
    return PERMISSIONS[action][0]


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
    return [a for (s, a) in TRANSITIONS if s == state and role in roles_of(a)]


def transition(state: str, action: str, role: str, middle_step: bool = False) -> str:
    """The state after `role` applies `action` to a dossier in `state` (at a step that is not
    the last: `middle_step`), or IllegalTransition."""
    _check(state, role)
    if (state, action) not in TRANSITIONS or role not in roles_of(action):
        raise IllegalTransition(state, action, allowed_actions(state, role), role)
    if middle_step:
        action = AT_A_MIDDLE_STEP.get(action, action)
    return TRANSITIONS[(state, action)]


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
