"""The chaos run's plan, as pure logic: which route shapes the catalog has, what each dossier's
officers and citizen do and where it must end, and when which fault strikes. No I/O here; the
runner (tests/chaos/runner.py) carries the plan out against the local stack."""

import random
from collections import Counter
from dataclasses import dataclass, field

from contracts import lifecycle as lc
from contracts.route import RouteError, plan_route

SERVICES = (
    "intake",
    "routing",
    "postal",
    "notification",
    "payment",
    "portal_sync",
    "documents",
    "feedback",
    "gateway",
)
SCENARIOS = ("straight", "supplement", "refuse", "withdraw", "not_accepted", "post", "stop")
# dossiers with money paid online during the run, each on a procedure and counter of its own
# (PAYING): a commune's fee paid by the citizen on the platform's pay page before the dossier is
# accepted, and a land dossier's notice of financial obligation at the province, which the
# platform simulator pays by itself ("[autopay]" in the reason). Every PAYMENT_EVERY dossiers
# of a run, one of each.
PAYMENT_SCENARIOS = ("fee_online", "obligation")
PAYING = {
    "fee_online": ("HT-04", "X28720"),  # decided at the commune, 15.000 ₫
    "obligation": ("DD-04", "X28720"),  # forwarded at once to the province (T82), 50.000 ₫
}
PAYMENT_EVERY = 10
# the payments each ends with, by kind (contracts/money.py), every one paid: the obligation's
# dossier paid its fee at the counter when it was received
PAYMENTS = {"fee_online": {"fee": 1}, "obligation": {"fee": 1, "obligation": 1}}
RECEIVE_FIELDS = {"fee_online": {"fee_method": "online"}}
OBLIGATION = {"amount_vnd": 250000, "reason": "Thuế thu nhập cá nhân [autopay]"}
# how often each scenario is drawn (most dossiers go the ordinary way)
WEIGHTS = {
    "straight": 40,
    "supplement": 15,
    "refuse": 10,
    "withdraw": 8,
    "not_accepted": 5,
    "post": 15,
    "stop": 7,
}
FINAL_STATE = {
    "straight": lc.RETURNED,
    "supplement": lc.RETURNED,
    "refuse": lc.RETURNED,
    "withdraw": lc.WITHDRAWN,
    "not_accepted": lc.NOT_ACCEPTED,
    "post": lc.RETURNED,
    "stop": lc.STOPPED,
    "fee_online": lc.RETURNED,
    "obligation": lc.RETURNED,
}
# the history row each officer action leaves (resolve at a step that is not the last forwards)
EVENT_OF_ACTION = {
    "accept": "dossier_accepted",
    "refuse": "dossier_refused",
    "request_supplement": "supplement_requested",
    "supplement": "dossier_supplemented",
    "withdraw": "dossier_withdrawn",
    "hand_over": "result_handed_over",
    "return_result": "result_sent_by_post",
    "stop": "dossier_stopped",
    "pay_online": "fee_confirmed",  # the citizen pays; routing records the payment service's news
    "request_obligation": "obligation_requested",
}


@dataclass(frozen=True)
class RouteShape:
    """One way through the offices: the levels of its steps, and whether the receiving counter
    forwards at once (its own step takes no time). `procedure_code` received at `office_id`
    takes it."""

    levels: tuple[str, ...]
    forwards_at_once: bool
    procedure_code: str
    office_id: str
    step_offices: tuple[str, ...]
    postal_return: bool


def _shape(procedure, office_id: str, steps) -> RouteShape:
    return RouteShape(
        tuple(s.level for s in steps),
        steps[0].duration.amount == 0 and len(steps) > 1,
        procedure.code,
        office_id,
        tuple(s.office_id for s in steps),
        procedure.postal_return,
    )


def payment_shapes(procedures, offices) -> dict[str, RouteShape]:
    """The route of each payment scenario's procedure from its counter (PAYING)."""
    return {
        scenario: _shape(
            procedures.get(code), office_id, plan_route(procedures.get(code), office_id, offices)
        )
        for scenario, (code, office_id) in PAYING.items()
    }


def route_shapes(procedures, offices, receiving_office_ids) -> list[RouteShape]:
    """One representative (procedure, receiving office) per distinct route shape the catalog
    allows at the given counters, in a stable order."""
    found: dict[tuple, RouteShape] = {}
    for office_id in receiving_office_ids:
        for procedure in procedures.all():
            try:
                steps = plan_route(procedure, office_id, offices)
            except RouteError:
                continue
            shape = _shape(procedure, office_id, steps)
            key = (shape.levels, shape.forwards_at_once)
            # prefer a procedure that may be returned by post: it serves every scenario
            if key not in found or (shape.postal_return and not found[key].postal_return):
                found[key] = shape
    return [found[k] for k in sorted(found)]


@dataclass(frozen=True)
class Step:
    """An officer `role` at `office_id` does `action` once the dossier is in `state` at
    `at_office` (and has arrived there), and its history holds the event `after` (if any). The
    role CITIZEN pays online (action "pay_online") on the payment platform's pay page."""

    role: str
    office_id: str
    action: str
    params: dict
    state: str
    at_office: str
    after: str | None = None


CITIZEN = "citizen"


@dataclass(frozen=True)
class DossierPlan:
    index: int
    shape: RouteShape
    scenario: str
    phone: str
    steps: tuple[Step, ...] = field(default=())

    @property
    def final_state(self) -> str:
        return FINAL_STATE[self.scenario]

    @property
    def payments(self) -> dict[str, int]:
        """The payments paid online during the run lead to: how many of each kind it ends with
        (all paid); empty for a dossier whose payments are not checked."""
        return PAYMENTS.get(self.scenario, {})

    def expected_events(self) -> Counter:
        """How many history rows of each officer-made type the dossier must end with."""
        counts: Counter = Counter()
        last = self.shape.step_offices[-1]
        for step in self.steps:
            if step.action == "resolve":  # elsewhere than the last step it forwards
                counts["dossier_resolved"] += step.office_id == last
            else:
                counts[EVENT_OF_ACTION[step.action]] += 1
            if step.action == "request_obligation":  # paid online: the clock resumes
                counts["obligation_fulfilled"] += 1
        if self.scenario in ("straight", "supplement", "refuse", "post", *PAYMENT_SCENARIOS):
            counts["result_returned"] += 1
        if self.scenario == "post":
            counts["result_delivered_by_post"] += 1
        return +counts


SUPPLEMENT = {
    "reason": "Thiếu bản sao giấy tờ",
    "missing_documents": ["Bản sao CCCD"],
}


def officer_steps(shape: RouteShape, scenario: str) -> tuple[Step, ...]:
    """What the officers (and the citizen, at the counter) do for one dossier, in order."""
    if scenario == "not_accepted":
        return ()
    counter = shape.step_offices[0]
    handling = list(enumerate(shape.step_offices))
    if shape.forwards_at_once:
        handling = handling[1:]
    steps: list[Step] = []
    A, P = lc.AWAITING_ACCEPTANCE, lc.IN_PROCESS
    if scenario == "fee_online":  # not accepted before the citizen paid the fee online
        steps.append(Step(CITIZEN, counter, "pay_online", {}, lc.AWAITING_FEE, counter))
    for n, (_, office) in enumerate(handling):
        last = n == len(handling) - 1
        steps.append(Step("handler", office, "accept", {}, A, office))
        if last and scenario == "obligation":  # resolved once the platform says it is paid
            steps.append(Step("handler", office, "request_obligation", OBLIGATION, P, office))
            steps.append(Step("handler", office, "resolve", {}, P, office, "obligation_fulfilled"))
            continue
        if scenario == "withdraw":  # the citizen withdraws while the first office works on it
            steps.append(Step("receiver", counter, "withdraw", {}, P, office))
            return tuple(steps)
        if last and scenario == "stop":
            steps.append(Step("leader", office, "stop", {"reason": "dừng"}, P, office))
            return tuple(steps)
        if last and scenario == "supplement":
            steps.append(Step("handler", office, "request_supplement", SUPPLEMENT, P, office))
            steps.append(
                Step("receiver", counter, "supplement", {}, lc.SUPPLEMENT_REQUESTED, office)
            )
        if last and scenario == "refuse":
            steps.append(
                Step("handler", office, "refuse", {"reason": "không đủ điều kiện"}, P, office)
            )
        else:
            steps.append(Step("handler", office, "resolve", {}, P, office))
    ready = lc.READY_AT_COUNTER
    if scenario == "post":
        steps.append(Step("receiver", counter, "return_result", {}, ready, counter))
    else:
        steps.append(Step("receiver", counter, "hand_over", {}, ready, counter))
    return tuple(steps)


def dossier_plans(
    shapes: list[RouteShape],
    count: int,
    seed: int,
    paying: dict[str, RouteShape] | None = None,
) -> list[DossierPlan]:
    """`count` dossiers over every shape in turn, each with a scenario drawn by WEIGHTS (post
    only where the procedure may be returned by post) and a phone number of its own; with
    `paying` (payment_shapes), one in PAYMENT_EVERY dossiers of each payment scenario instead."""
    rng = random.Random(seed)
    plans = []
    slots = {
        PAYMENT_EVERY * (k + 1) // (len(PAYMENT_SCENARIOS) + 1) - 1: s
        for k, s in enumerate(PAYMENT_SCENARIOS)
    }
    for i in range(count):
        shape = shapes[i % len(shapes)]
        choices = [s for s in SCENARIOS if s != "post" or shape.postal_return]
        scenario = rng.choices(choices, weights=[WEIGHTS[s] for s in choices])[0]
        if paying and i % PAYMENT_EVERY in slots:
            scenario = slots[i % PAYMENT_EVERY]
            shape = paying[scenario]
        phone = f"091{(seed * 1_000_003 + i) % 10_000_000:07d}"
        plans.append(DossierPlan(i, shape, scenario, phone, officer_steps(shape, scenario)))
    return plans


# an SMS provider's SMS centre stopped for this long (stack.sh provider-outage): SMS fail over
# to the other provider and come back, none sent twice (README: SMS provider failover)
PROVIDER_OUTAGE = ("provider-a", 20)


@dataclass(frozen=True)
class Fault:
    at: float  # seconds after the run started
    # "kill" (a service, kill -9, then start again), "rabbitmq-restart" (every node),
    # "rabbitmq-kill" (one node of a cluster, kill -9, then start again), "mongo-restart",
    # "provider-outage" (one SMS provider away for a while)
    kind: str
    target: str


def fault_schedule(
    seed: int,
    window: float,
    kills_per_service: int,
    broker_restarts: int = 1,
    database_restarts: int = 1,
    spacing: float = 6.0,
    broker_nodes: int = 1,
    provider_outages: int = 1,
) -> list[Fault]:
    """Every fault at a random moment within (5 %, 85 %) of `window` seconds, at least
    `spacing` seconds apart, in time order. On a cluster of `broker_nodes`, each node is
    killed once too (the queues it leads elect another leader)."""
    rng = random.Random(seed)
    kinds = [("kill", s) for s in SERVICES for _ in range(kills_per_service)]
    kinds += [("rabbitmq-restart", "rabbitmq")] * broker_restarts
    if broker_nodes > 1:
        kinds += [("rabbitmq-kill", str(i)) for i in range(1, broker_nodes + 1)]
    kinds += [("mongo-restart", "mongo")] * database_restarts
    kinds += [("provider-outage", PROVIDER_OUTAGE[0])] * provider_outages
    rng.shuffle(kinds)
    start, end = 0.05 * window, 0.85 * window
    slot = (end - start) / max(len(kinds), 1)
    if slot < spacing:
        raise ValueError(f"{len(kinds)} faults do not fit {window:.0f} s {spacing:.0f} s apart")
    faults = []
    for i, (kind, target) in enumerate(kinds):
        at = start + i * slot + rng.uniform(0, slot - spacing)
        faults.append(Fault(round(at, 2), kind, target))
    return faults
