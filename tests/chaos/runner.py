"""The chaos run against the local stack: load dossiers over HTTP across every route shape with
simulated officers (and citizens supplementing at the counter), kill -9 each service at random
moments, restart RabbitMQ and the database server, let it settle, re-drive what was parked, then
verify from the stores, the queues and fakesmsc that nothing was lost, nothing applied twice and
nothing is stuck. Prints one summary line and exits 1 unless lost=0 duplicated=0 stuck=0.

    python -m tests.chaos.runner --dossiers 2000 --kills 3
"""

import argparse
import io
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
from kombu import Connection
from pymongo import MongoClient
from pymongo.errors import PyMongoError

from contracts.lifecycle import HANDLER, LEADER, RECEIVER
from contracts.offices import load_offices
from contracts.procedures import load_procedures
from services.common.clock import now as stack_now
from services.common.repository import outbox_range
from services.gateway.store import Officers
from services.notification.fakesmsc import read_received
from services.ops.deadletters import list_parked, redrive
from tests.chaos.plan import (
    CITIZEN,
    PROVIDER_OUTAGE,
    RECEIVE_FIELDS,
    SERVICES,
    DossierPlan,
    Fault,
    Step,
    dossier_plans,
    fault_schedule,
    payment_shapes,
    route_shapes,
)

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "deploy" / "local" / "stack.sh"
COUNTERS = ("X28720", "X28702", "H824", "T82", "X02269")
ENV = os.environ
BASE = ENV.get("LT_PUBLIC_URL", "http://127.0.0.1:8000")
AMQP_URI = ENV.get("LT_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
BROKER_NODES = int(ENV.get("LT_RABBITMQ_NODES") or 1)
MONGO_URI = ENV.get("LT_MONGO_URI", "mongodb://127.0.0.1:27017/")
PREFIX = ENV.get("LT_MONGO_DATABASE_PREFIX", "lienthong_")
RABBITMQ_API = ENV.get("LT_RABBITMQ_API", "http://127.0.0.1:15672/api")
PLATFORM = ENV.get("LT_PAYMENT_PLATFORM_URL", "http://127.0.0.1:8091")
PORTAL = ENV.get("LT_PORTAL_URL", "http://127.0.0.1:8092")
PORTAL_KEY = {"Authorization": f"Bearer {ENV.get('LT_PORTAL_API_KEY', 'lienthong-dev-portal')}"}
RABBITMQ_AUTH = (ENV.get("LT_RABBITMQ_USER", "guest"), ENV.get("LT_RABBITMQ_PASSWORD", "guest"))
FAKESMSC_LOG = ENV.get("LT_FAKESMSC_LOG", str(ROOT / ".stack/kannel/fakesmsc.log"))
# each SMS provider's SMS centre writes its own log: provider-a the one above, provider-b this
FAKESMSC_B_LOG = ENV.get("LT_FAKESMSC_B_LOG", str(ROOT / ".stack/kannel/fakesmsc-b.log"))
SMS_LOGS = {"provider-a": FAKESMSC_LOG, "provider-b": FAKESMSC_B_LOG}
PIDS = Path(ENV.get("LT_STACK_DIR", str(ROOT / ".stack"))) / "pids"
LOGS = PIDS.parent / "logs"
RESTARTS = PIDS.parent / "restarts"  # deploy/local/supervise.sh: a line per exit by itself
CLOCK_OFFSET_FILE = Path(ENV.get("LT_CLOCK_OFFSET_FILE", str(ROOT / ".stack/clock_offset")))
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def log(text: str) -> None:
    print(f"[chaos {datetime.now(UTC):%H:%M:%S}] {text}", file=sys.stderr, flush=True)


def stack(*args: str) -> None:
    out = subprocess.run(["bash", str(STACK), *args], capture_output=True, text=True, timeout=300)
    if out.returncode:
        log(f"stack.sh {' '.join(args)} failed: {out.stderr.strip()[-1500:]}")


# --- officers and the HTTP API ------------------------------------------------------------
class Tokens:
    """One token per (office, role), issued the way `make officer` does."""

    def __init__(self, mongo: MongoClient, offices: set[str]):
        store = Officers(mongo[f"{PREFIX}gateway"])
        at = stack_now()
        self.headers = {
            (o, r): {"Authorization": f"Bearer {store.issue(o, r, f'{r} {o} (chaos)', at, None)}"}
            for o in offices
            for r in (RECEIVER, HANDLER, LEADER)
        }


class Gave(Exception):
    """The API refused a request for good (4xx other than the expected)."""


RETRIED = Counter()  # requests asked again after a lost answer or a 5xx, by what went wrong
_RETRIED_LOCK = threading.Lock()


def call(session, method: str, path: str, headers: dict, body=None, key=None, until=None):
    """A request that survives faults: connection errors, timeouts and 5xx are retried (with the
    same Idempotency-Key) until `until` (monotonic seconds)."""
    headers = {**headers, **({"Idempotency-Key": key} if key else {})}
    first = True
    while True:
        if not first:
            with _RETRIED_LOCK:
                RETRIED["requests"] += 1
        first = False
        try:
            r = session.request(method, f"{BASE}{path}", json=body, headers=headers, timeout=30)
            if r.status_code < 500:
                return r
        except requests.RequestException:
            pass
        if until and time.monotonic() > until:
            raise TimeoutError(f"{method} {path}: no answer")
        time.sleep(0.5 + random.random())


# --- one dossier's journey ----------------------------------------------------------------
@dataclass
class Journey:
    plan: DossierPlan
    code: str | None = None
    done_steps: int = 0
    problem: str | None = None
    seconds: float = 0.0  # from the receipt asked for to the final state seen


class Run:
    def __init__(self, args):
        self.args = args
        self.mongo = MongoClient(MONGO_URI, tz_aware=True, serverSelectionTimeoutMS=3000)
        self.routing = self.mongo[f"{PREFIX}routing"]
        self.run_id = uuid.uuid4().hex[:8]
        self.faults_done: list[Fault] = []
        self.parked_seen: list[str] = []
        self.redriven = 0
        self.restarting: str | None = None  # the service a kill fault is restarting
        self.died: set[str] = set()  # services seen gone by themselves
        self.exits = exits()  # exits by themselves so far, each service started again
        self.crashed = 0
        self.broker_started = 0  # RabbitMQ nodes a fault left down, started after the faults

    # the projection routing keeps: a read by _id, the cheapest way to watch a dossier
    def peek(self, code: str) -> dict | None:
        try:
            return self.routing.dossiers.find_one(
                {"_id": code}, {"state": 1, "office_id": 1, "at_office": 1}
            )
        except PyMongoError:
            return None

    def journey(self, j: Journey, officers: Tokens) -> Journey:
        session = requests.Session()
        p = j.plan
        began = time.monotonic()
        deadline = min(began + self.args.journey_timeout, self.run_deadline)
        try:
            body = {
                "procedure_code": p.shape.procedure_code,
                "applicant": {
                    "name": f"Nguyễn Văn Chaos {self.run_id} {p.index}",
                    "phone": p.phone,
                },
                "documents": self.documents[p.shape.procedure_code],
            }
            if p.scenario == "not_accepted":
                body["not_accepted_reason"] = "Hồ sơ không thuộc thẩm quyền"
            if p.scenario == "post":
                body["return_method"] = "post"
                body["postal_address"] = {"line": "12 ấp Mỹ Lợi", "commune_id": "X28720"}
            body.update(RECEIVE_FIELDS.get(p.scenario, {}))
            headers = officers.headers[p.shape.office_id, RECEIVER]
            key = f"chaos-{self.run_id}-{p.index}-receive"
            r = call(session, "POST", "/api/dossiers", headers, body, key, deadline)
            if r.status_code != 201:
                raise Gave(f"receive: {r.status_code} {r.text[:200]}")
            j.code = r.json()["code"]
            for n, step in enumerate(p.steps):
                self.wait_for(j.code, step.state, step.at_office, deadline, step.after)
                if step.role == CITIZEN:
                    self.pay_online(
                        session, j.code, officers.headers[p.shape.office_id, RECEIVER], deadline
                    )
                    j.done_steps += 1
                    continue
                key = f"chaos-{self.run_id}-{p.index}-{n}"
                action = {"action": step.action, **self.params(step)}
                r = call(
                    session,
                    "POST",
                    f"/api/dossiers/{j.code}/actions",
                    officers.headers[step.office_id, step.role],
                    action,
                    key,
                    deadline,
                )
                if r.status_code != 200:
                    raise Gave(f"{step.action} at {step.office_id}: {r.status_code} {r.text[:200]}")
                j.done_steps += 1
            self.wait_for(j.code, p.final_state, None, deadline)
        except (Gave, TimeoutError) as exc:
            j.problem = str(exc)
            log(f"dossier {p.index} ({p.scenario}, {j.code or 'not received'}): {j.problem}")
        j.seconds = time.monotonic() - began
        return j

    @staticmethod
    def params(step: Step) -> dict:
        """The step's parameters; a notice of obligation is to be paid within five days."""
        if step.action != "request_obligation":
            return step.params
        pay_by = stack_now(str(CLOCK_OFFSET_FILE)) + timedelta(days=5)
        return {**step.params, "pay_by": pay_by.isoformat()}

    def pay_online(self, session, code: str, headers: dict, deadline: float) -> None:
        """The citizen opens the fee's pay link (as the tracking page shows it) and pays on the
        platform's pay page; an answer lost is asked again, and a payment found paid already
        (by that earlier try) is done."""
        while True:
            r = call(session, "GET", f"/api/dossiers/{code}", headers, until=deadline)
            if r.status_code != 200:
                raise Gave(f"pay: the dossier {r.status_code} {r.text[:200]}")
            fee = next((x for x in r.json()["payments"] if x["kind"] == "fee"), None)
            if fee and fee["status"] == "paid":
                return
            if fee and fee["pay_url"]:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"no pay link for {code}: {fee}")
            time.sleep(0.5 + random.random() * 0.5)
        url, ref = fee["pay_url"], fee["pay_url"].rstrip("/").rsplit("/", 1)[1]
        form = {"action": "pay", "channel": "e_wallet"}
        while True:
            try:
                r = session.post(url, data=form, timeout=30)
                if r.status_code == 200:
                    return
                if r.status_code == 409:  # no longer pending: paid by a try whose answer was lost
                    status = session.get(f"{PLATFORM}/payments/{ref}", timeout=30).json()["status"]
                    if status == "paid":
                        return
                    raise Gave(f"pay {ref}: the platform's payment is {status}")
                if r.status_code < 500:
                    raise Gave(f"pay {ref}: {r.status_code} {r.text[:200]}")
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"pay {ref}: no answer")
            time.sleep(0.5 + random.random())

    def history_has(self, code: str, event: str) -> bool:
        try:
            d = self.routing.dossiers.find_one({"_id": code}, {"history": 1})
        except PyMongoError:
            return False
        return bool(d) and any(h["type"] == event for h in d.get("history", []))

    def wait_for(
        self, code: str, state: str, office: str | None, deadline: float, after: str | None = None
    ) -> None:
        while True:
            d = self.peek(code)
            if (
                d
                and d["state"] == state
                and (office is None or (d["office_id"] == office and d["at_office"]))
                and (after is None or self.history_has(code, after))
            ):
                return
            if time.monotonic() > deadline:
                seen = f"{d['state']} at {d['office_id']}" if d else "nothing"
                raise TimeoutError(f"waited for {state} at {office or '-'}; saw {seen}")
            time.sleep(0.4 + random.random() * 0.4)

    # --- faults and the operator -------------------------------------------------------------
    def inject(self, faults: list[Fault], started: float) -> None:
        for fault in faults:
            delay = started + fault.at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            log(f"fault: {fault.kind} {fault.target}")
            if fault.kind == "kill":
                self.restarting = fault.target
                stack("kill", fault.target)
                time.sleep(random.uniform(1, 4))
                stack("service-start", fault.target)
                self.restarting = None
            elif fault.kind == "rabbitmq-kill":
                node = fault.target
                stack("kill", "rabbitmq" if node == "1" else f"rabbitmq-{node}")
                time.sleep(random.uniform(2, 6))
                stack("rabbitmq-node-start", node)
            elif fault.kind == "provider-outage":  # back by itself after the outage
                stack(fault.kind, fault.target, str(PROVIDER_OUTAGE[1]))
            else:
                stack(fault.kind)
            self.faults_done.append(fault)
        log("every fault injected")

    def portal_faults(self, window: float, started: float) -> None:
        """The national portal slows down (half a second an answer) a third of the way into
        the fault window, then goes down for 15 s half way: pushes wait, retry, catch up."""
        for at, path, body in (
            (0.3, "faults", {"latency": 0.5}),
            (0.45, "faults", {"latency": 0}),
            (0.5, "outage", {"seconds": 15}),
        ):
            delay = started + window * at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            log(f"portal fault: {path} {body}")
            requests.post(f"{PORTAL}/admin/{path}", json=body, headers=PORTAL_KEY, timeout=30)

    def verify_portal(self, journeys: list[Journey], deadline: float) -> dict:
        """Every dossier at the portal at its final version, none pushed out of order: the
        sync says synced at the version it last made, and the portal has that version last. A
        dossier not caught up by the deadline is stuck."""
        found = Counter(stuck=0, checked=0)
        session = requests.Session()
        for j in [j for j in journeys if j.code]:
            headers = self.officers.headers[j.plan.shape.office_id, RECEIVER]
            while True:
                r = call(session, "GET", f"/api/dossiers/{j.code}", headers, until=deadline)
                sync = r.json().get("portal_sync") if r.status_code == 200 else None
                got = session.get(f"{PORTAL}/dossiers/{j.code}", headers=PORTAL_KEY, timeout=30)
                versions = got.json()["versions"] if got.status_code == 200 else []
                done = sync and sync["status"] == "synced" and versions
                if done and versions[-1] == sync["record_version"] == sync["pushed_version"]:
                    found["checked"] += 1
                    break
                if time.monotonic() > deadline:
                    found["stuck"] += 1
                    log(f"stuck: {j.code} at the portal {versions[-1:]}, sync {sync}")
                    break
                time.sleep(1)
        stats = session.get(f"{PORTAL}/admin/stats", headers=PORTAL_KEY, timeout=30).json()
        found["out_of_order"] = stats["out_of_order"] - self.portal_out_of_order
        if found["out_of_order"]:
            log(f"duplicated: {found['out_of_order']} pushes reached the portal out of order")
        return dict(found)

    def operator(self, until_idle: threading.Event) -> None:
        """After the faults, what an operator does: list what was parked, then re-drive it."""
        while not until_idle.wait(20):
            self.drive_parked()

    def parked(self) -> list[str]:
        """The dead-letter queue as `make dlq` lists it, without what was parked before the run."""
        with Connection(AMQP_URI, connect_timeout=5) as conn:
            out = io.StringIO()
            list_parked(conn, out)
        return [x for x in out.getvalue().splitlines() if x.split("\t")[0] not in self.before]

    def drive_parked(self) -> int:
        """List what this run got parked (with the reason), then re-drive it, one by one."""
        moved = 0
        try:
            lines = self.parked()
            with Connection(AMQP_URI, connect_timeout=5) as conn:
                for line in lines:
                    log(f"parked: {line[:300]}")
                    self.parked_seen.append(line)
                    moved += redrive(conn, line.split("\t")[0], out=io.StringIO())
        except Exception as exc:  # noqa: BLE001 — the broker may be restarting; next round
            log(f"could not look at the dead-letter queue: {exc}")
        if moved:
            self.redriven += moved
            log(f"redriven {moved}")
        return moved

    # --- settling -------------------------------------------------------------------------------
    def busy(self) -> list[str]:
        """What still moves: messages in queues (not parked), outbox entries not yet published."""
        r = requests.get(f"{RABBITMQ_API}/queues", auth=RABBITMQ_AUTH, timeout=10)
        r.raise_for_status()
        pending = [
            f"{q['name']}={q.get('messages', 0)}"
            for q in r.json()
            if q.get("messages", 0)
            and q["name"] != "lienthong.dlq"
            # a late answer to a gateway that was killed: nobody waits for it (expires in 5 min)
            and not (q["name"].startswith("rpc.reply-") and not q.get("consumers"))
        ]
        for name in self.mongo.list_database_names():
            if name.startswith(PREFIX):
                db = self.mongo[name]
                for c in db.list_collection_names():
                    outbox = {"_id": outbox_range()}
                    if c.endswith("_journal") and (n := db[c].count_documents(outbox)):
                        pending.append(f"{name}.{c} outbox={n}")
        return pending

    def settle(self, timeout: float) -> float:
        started = time.monotonic()
        quiet_since = None
        while time.monotonic() - started < timeout:
            try:
                pending = self.busy()
            except Exception as exc:  # noqa: BLE001
                pending = [f"unreachable: {exc}"]
            if not pending:
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since > 6:  # management stats lag ~5 s
                    return time.monotonic() - started
            else:
                quiet_since = None
                log(f"settling: {', '.join(pending)[:300]}")
            time.sleep(2)
        raise TimeoutError("the stack did not settle")

    def watch(self, stop: threading.Event) -> None:
        """Name a service that exits by itself when it is first seen gone, with its last errors:
        one its supervisor started again (counted as crashed), or one that stayed dead."""
        while not stop.wait(2):
            self.note_exits()
            for name in self.dead_services():
                if name not in self.died and name != self.restarting:
                    self.died.add(name)
                    log(f"{name} died by itself; the end of its log: {last_errors(name)}")

    def note_exits(self) -> None:
        for name, count in exits().items():
            if count > self.exits.get(name, 0):
                self.crashed += count - self.exits.get(name, 0)
                self.exits[name] = count
                log(
                    f"{name} exited by itself and its supervisor started it again; "
                    f"the end of its log: {last_errors(name)}"
                )

    # --- verification ---------------------------------------------------------------------------
    @staticmethod
    def dead_services() -> list[str]:
        """Services whose process is gone though no fault is pending: one that died by itself."""
        return [name for name in SERVICES if not alive(name)]

    def broker_nodes_up(self) -> None:
        """After the faults, every RabbitMQ node runs, as its service manager would see to: a
        node that a fault left down (one that did not start again) is started, and counted."""
        for i in range(1, BROKER_NODES + 1):
            if not alive("rabbitmq" if i == 1 else f"rabbitmq-{i}"):
                self.broker_started += 1
                log(f"rabbitmq node {i} was down after the faults; starting it again")
                stack("rabbitmq-node-start", str(i))

    def verify(self, journeys: list[Journey], sms_before: dict[str, int]) -> dict:
        lost = duplicated = stuck = 0
        codes = [j.code for j in journeys if j.code]
        docs = {d["_id"]: d for d in self.routing.dossiers.find({"_id": {"$in": codes}})}
        for j in journeys:
            p = j.plan
            if j.code is None:
                stuck += 1
                log(f"stuck: dossier {p.index} ({p.scenario}) never received: {j.problem}")
                continue
            d = docs.get(j.code)
            if d is None:
                lost += 1
                log(f"lost: {j.code} not in routing's store")
                continue
            applied = Counter(d.get("applied", []))
            twice = [m for m, n in applied.items() if n > 1]
            history = Counter(h["type"] for h in d.get("history", []))
            expected = p.expected_events()
            over = {t: history[t] for t, n in expected.items() if history[t] > n}
            if twice or over:
                duplicated += 1
                log(f"duplicated: {j.code} ({p.scenario}) applied twice {twice} events {over}")
            elif d["state"] != p.final_state or j.problem:
                stuck += 1
                log(
                    f"stuck: {j.code} ({p.scenario}) in {d['state']} at {d['office_id']}: "
                    f"{j.problem}"
                )
            elif any(history[t] < n for t, n in expected.items()):
                lost += 1
                log(
                    f"lost: {j.code} ({p.scenario}) history {dict(history)} "
                    f"expected {dict(expected)}"
                )
        payment_problems = self.verify_payments(journeys, docs)
        lost += payment_problems["lost"]
        duplicated += payment_problems["duplicated"]
        stuck += payment_problems["stuck"]
        portal = self.verify_portal(journeys, time.monotonic() + 180)
        stuck += portal["stuck"]
        duplicated += portal["out_of_order"]
        receipts = self.mongo[f"{PREFIX}intake"].receipts.count_documents(
            {"applicant.name": {"$regex": f"Chaos {self.run_id} "}}
        )
        if receipts != len(codes):
            log(f"duplicated: {receipts} receipts for {len(codes)} dossiers received")
            duplicated += abs(receipts - len(codes))
        ours = {j.plan.phone[-9:] for j in journeys}
        # one SMS per (event, recipient) over every provider: a message held for one provider
        # while it was away and sent through another would be here twice
        by_provider = {
            provider: [(s.to, s.text) for s in read_received(path)[sms_before[provider] :]]
            for provider, path in SMS_LOGS.items()
        }
        sms = Counter(x for got in by_provider.values() for x in got if x[0][-9:] in ours)
        twice = [k for k, n in sms.items() if n > 1]
        for to, text in twice:
            where = [p for p, got in by_provider.items() if (to, text) in got]
            log(f"duplicated SMS to {to} (through {', '.join(where)}): {text[:80]!r}")
        duplicated += len(twice)
        return {
            "lost": lost,
            "duplicated": duplicated,
            "stuck": stuck,
            "sms": sum(sms.values()),
            "sms_by_provider": {
                p: sum(1 for x in got if x[0][-9:] in ours) for p, got in by_provider.items()
            },
            "payments": payment_problems["checked"],
            "portal": portal["checked"],
        }

    def verify_payments(self, journeys: list[Journey], docs: dict) -> dict:
        """Each dossier that paid online: one payment of each kind it owes, every one paid (the
        online ones online), the platform charged once for each, and the dossier out of
        awaiting_fee / obligation_requested (its history's fee_confirmed / obligation_fulfilled
        rows are counted with the other events). A payment missing, or one the platform does not
        hold as paid, is lost; two of a kind, or two charges, duplicated; one not paid, stuck."""
        found = Counter(lost=0, duplicated=0, stuck=0, checked=0)
        paying = [j for j in journeys if j.plan.payments and j.code in docs]
        charged = self.platform_charges()
        session = requests.Session()
        until = time.monotonic() + 120
        for j in paying:
            headers = self.officers.headers[j.plan.shape.office_id, RECEIVER]
            r = call(session, "GET", f"/api/dossiers/{j.code}", headers, until=until)
            payments = r.json()["payments"] if r.status_code == 200 else []
            kinds = Counter(x["kind"] for x in payments)
            for kind, n in j.plan.payments.items():
                mine = [x for x in payments if x["kind"] == kind]
                found["checked"] += len(mine)
                if kinds[kind] != n:
                    problem = "lost" if kinds[kind] < n else "duplicated"
                    found[problem] += 1
                    log(f"{problem}: {j.code} ({j.plan.scenario}) {kinds[kind]} {kind} payments")
                    continue
                for x in mine:
                    online = kind == "obligation" or j.plan.scenario == "fee_online"
                    times = charged.get(x["payment_id"], 0)
                    if x["status"] != "paid" or (online and x["method"] != "online"):
                        found["stuck"] += 1
                        log(f"stuck: {j.code} {kind} {x['status']} by {x['method']}")
                    elif online and times != 1:
                        problem = "lost" if times == 0 else "duplicated"
                        found[problem] += 1
                        log(f"{problem}: {j.code} {kind} {x['payment_id']}: {times} charges")
        return dict(found)

    def platform_charges(self) -> dict[str, int]:
        """How many payments the platform holds as paid for each of our payments (by its
        reference, `<payment id>-<attempt>`), on the UTC days of the run."""
        days = {self.started_day, datetime.now(UTC).date()}
        charged: Counter = Counter()
        for day in sorted(days):
            r = requests.get(f"{PLATFORM}/payments", params={"date": day.isoformat()}, timeout=30)
            r.raise_for_status()
            for x in r.json()["payments"]:
                if x["paid_at"]:
                    charged[x["reference"].rsplit("-", 1)[0]] += 1
        return dict(charged)

    def daytime_clock(self) -> bool:
        """SMS wait out the quiet hours (21:00–07:00 local): run the stack's clock in the day."""
        local = stack_now(str(CLOCK_OFFSET_FILE)).astimezone(TZ)
        if 8 <= local.hour < 19:
            return False
        target = local.replace(hour=9, minute=0, second=0, microsecond=0)
        offset = target - datetime.now(UTC).astimezone(TZ)
        CLOCK_OFFSET_FILE.write_text(f"{offset.total_seconds():.0f}\n", encoding="ascii")
        log(f"stack clock moved by {offset} so that SMS are sent, not held")
        return True

    def main(self) -> int:
        a = self.args
        offices, procedures = load_offices(), load_procedures()
        shapes = route_shapes(procedures, offices, COUNTERS)
        paying = payment_shapes(procedures, offices)
        plans = dossier_plans(shapes, a.dossiers, a.seed, paying)
        self.documents = {  # all a complete dossier of the procedure holds
            s.procedure_code: [
                {"id": d.id, "count": d.count} for d in procedures.get(s.procedure_code).documents
            ]
            for s in [*shapes, *paying.values()]
        }
        involved = {o for s in [*shapes, *paying.values()] for o in s.step_offices}
        officers = self.officers = Tokens(self.mongo, involved)
        self.started_day: date = datetime.now(UTC).date()
        moved_clock = self.daytime_clock()
        window = a.fault_window or max(90.0, a.dossiers * 0.3)
        faults = fault_schedule(
            a.seed, window, a.kills, a.broker_restarts, a.database_restarts,
            broker_nodes=BROKER_NODES,
        )  # fmt: skip
        log(
            f"seed {a.seed}: {a.dossiers} dossiers over {len(shapes)} route shapes "
            f"({dict(Counter(p.scenario for p in plans))}); {len(faults)} faults in {window:.0f} s"
        )
        sms_before = {p: len(read_received(path)) for p, path in SMS_LOGS.items()}
        self.before: set[str] = set()
        self.before = {line.split("\t")[0] for line in self.parked()}  # not this run's
        started = time.monotonic()
        # a stack that stops moving ends the run with its stuck dossiers named, not in a hang
        self.run_deadline = started + a.run_timeout
        injector = threading.Thread(target=self.inject, args=(faults, started), daemon=True)
        injector.start()
        stats = requests.get(f"{PORTAL}/admin/stats", headers=PORTAL_KEY, timeout=30).json()
        self.portal_out_of_order = stats["out_of_order"]  # what runs before this one left
        threading.Thread(target=self.portal_faults, args=(window, started), daemon=True).start()
        idle = threading.Event()
        threading.Thread(target=self.watch, args=(idle,), daemon=True).start()
        threading.Thread(target=self.operator, args=(idle,), daemon=True).start()
        journeys = [Journey(p) for p in plans]
        with ThreadPoolExecutor(a.workers) as pool:
            for done, _ in enumerate(pool.map(lambda j: self.journey(j, officers), journeys), 1):
                if done % 100 == 0:
                    log(f"{done}/{len(journeys)} journeys finished")
            injector.join()
        log(f"load done in {time.monotonic() - started:.0f} s")
        self.broker_nodes_up()
        took: dict[str, list[float]] = {}
        for j in journeys:
            took.setdefault(j.plan.scenario, []).append(j.seconds)
        log(
            "journey seconds by scenario (mean/max): "
            + ", ".join(f"{k} {sum(v) / len(v):.0f}/{max(v):.0f}" for k, v in sorted(took.items()))
        )
        settle_started = time.monotonic()
        self.settle(a.settle_timeout)
        if self.drive_parked():  # what was parked at the end, re-driven to success
            self.settle(a.settle_timeout)
        idle.set()
        settle_seconds = time.monotonic() - settle_started
        result = self.verify(journeys, sms_before)
        # what stays parked of this run's dossiers (a message no run of ours sends, e.g. one of
        # the poison-message test's, is not this run's to count: it is logged above)
        ours = {j.code for j in journeys if j.code}
        parked_now = sum(line.rsplit(" ", 1)[-1] in ours for line in self.parked())
        dead = self.dead_services()
        self.note_exits()
        for name in dead:
            if name not in self.died:
                log(f"{name} died by itself; the end of its log: {last_errors(name)}")
        if dead:
            log(f"services that died by themselves: {', '.join(dead)} (see .stack/logs)")
        line = (
            f"chaos: dossiers={a.dossiers} faults={len(self.faults_done)} lost={result['lost']} "
            f"duplicated={result['duplicated']} stuck={result['stuck']} parked={parked_now} "
            f"dead={len(dead)} crashed={self.crashed} broker_started={self.broker_started} "
            f"redriven={self.redriven} retried={RETRIED['requests']} sms={result['sms']} "
            + "".join(f"sms_{p[-1]}={n} " for p, n in result["sms_by_provider"].items())
            + f"payments={result['payments']} portal={result['portal']} "
            f"settle_seconds={settle_seconds:.0f} "
            f"total_seconds={time.monotonic() - started:.0f}"
        )
        print(line, flush=True)
        log(line)
        if moved_clock:
            CLOCK_OFFSET_FILE.unlink(missing_ok=True)
        ok = not (result["lost"] or result["duplicated"] or result["stuck"] or parked_now or dead)
        return 0 if ok else 1


def alive(pid_id: str) -> bool:
    """Whether the stack's process of that id (its pid file's name) runs."""
    try:
        os.kill(int((PIDS / f"{pid_id}.pid").read_text()), 0)
    except (OSError, ValueError):
        return False
    return True


def exits() -> dict[str, int]:
    """How many times each service has exited by itself, as its supervisor recorded."""
    found = {}
    for name in SERVICES:
        try:
            found[name] = len((RESTARTS / name).read_text().splitlines())
        except OSError:
            found[name] = 0
    return found


def last_errors(service: str, count: int = 6) -> str:
    """The last error lines of a service's log, each as its event and its exception's last line."""
    try:
        lines = (LOGS / f"{service}.log").read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"(no log: {exc})"
    found = []
    for line in lines.splitlines()[-400:]:
        try:
            entry = json.loads(line)
        except ValueError:
            if "Error" in line or "Traceback" in line:
                found.append(line.strip()[:300])
            continue
        if isinstance(entry, dict) and entry.get("level") in ("error", "critical"):
            exc = (entry.get("exception") or "").strip().splitlines()
            found.append(f"{entry.get('event', '')[:200]} {exc[-1][:300] if exc else ''}".strip())
    return " | ".join(found[-count:]) or "(no error logged)"


def parse(argv=None):
    parser = argparse.ArgumentParser(prog="chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=3, help="kill -9 of each service")
    parser.add_argument("--broker-restarts", type=int, default=1)
    parser.add_argument("--database-restarts", type=int, default=1)
    parser.add_argument("--workers", type=int, default=16, help="simulated officers at once")
    parser.add_argument(
        "--fault-window", type=float, default=0, help="seconds (default 0.3/dossier)"
    )
    parser.add_argument("--journey-timeout", type=float, default=600)
    parser.add_argument("--settle-timeout", type=float, default=300)
    parser.add_argument(
        "--run-timeout", type=float, default=3600, help="seconds for the whole load, at most"
    )
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(Run(parse()).main())
