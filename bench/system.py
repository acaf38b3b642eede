"""The system's figures over HTTP: intake throughput, transfer latency at a fixed offered rate,
whole journeys with simulated officers, SMS throughput to fakesmsc."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial

import requests
from pymongo import MongoClient

from bench import stack
from bench.measure import closed_loop, percentiles
from services.common.keys import prefix_range
from services.common.repository import view_id, views_of
from services.notification.fakesmsc import ReceivedLog
from services.portal_sync import inbox as portal_inbox
from services.portal_sync import indexes as portal_indexes
from services.portal_sync import store as portal_store
from services.routing import indexes

# Counters and the district each sends XD-01 to (2018-regime communes), one group per figure
# so that one figure's backlog does not stand in another's worklist.
INTAKE_COUNTERS = ("X28720", "X28702", "X28726", "X30037", "X30058", "X30064")
LATENCY_COUNTERS = ("X29077", "X29050")
JOURNEY_COUNTERS = (("X00913", "H030"), ("X00967", "H030"))


def intake(clients: int, seconds: float) -> dict:
    """Concurrent clients receive complete XD-01 dossiers for `seconds`: accepted per second."""
    receivers = [
        stack.Officer(INTAKE_COUNTERS[i % len(INTAKE_COUNTERS)], "receiver") for i in range(clients)
    ]
    result = closed_loop(receivers, seconds, stack.Officer.receive)
    result["dossiers_per_s"] = result.pop("per_s")
    return result


def intake_alone(clients: int, seconds: float) -> dict:
    """The same with every service but the gateway and intake stopped: what the front door
    takes when the rest of the chain does not share the machine. Their queues keep the dossiers
    received meanwhile; they are started again before this returns."""
    downstream = tuple(name for name in stack.SERVICES if name not in ("gateway", "intake"))
    log = ReceivedLog(stack.fakesmsc_log())
    settle(log)
    for name in downstream:
        stack.service("stop", name)
    try:
        result = intake(clients, seconds)
    finally:
        for name in downstream:
            stack.service("start", name)
    # each dossier's "received" SMS is the last thing the chain does for it
    started, limit = time.monotonic(), max(300.0, result["accepted"] / 5)
    sent = 0
    while time.monotonic() - started < limit:
        sent += len(log.new())
        if sent >= result["accepted"]:
            break
        time.sleep(0.5)
    result["chain_caught_up_s"] = round(time.monotonic() - started, 1)
    result["sms_after_restart"] = sent
    return result


def transfer_latency(rate: float, seconds: float) -> dict:
    """Receive `rate` dossiers per second (open loop) for `seconds`; for each, the time from its
    receipt (the 201) until it is in the district's worklist (its view document exists)."""
    receivers = [stack.Officer(office, "receiver") for office in LATENCY_COUNTERS]
    views = MongoClient(stack.mongo_uri())[stack.database("routing")][views_of("dossiers")]
    waiting: dict[str, float] = {}
    arrived: list[float] = []
    lock, done = threading.Lock(), threading.Event()
    errors = []

    def send(n: int):
        r = receivers[n % len(receivers)].receive()
        received = time.perf_counter()
        if r.status_code != 201:
            errors.append(r.status_code)
            return
        body = r.json()
        step = body["route"][1]
        key = "{}|{}|{}|{}".format(  # it arrives in the worklist's incoming part
            step["office_id"],
            indexes.PARTS["incoming"],
            indexes.sort_key(datetime.fromisoformat(step["due_at"])),
            body["code"],
        )
        key = view_id(indexes.WORKLIST, key)
        with lock:
            waiting[key] = received

    def watch():
        # one query per pass for every dossier still awaited ($in of _ids: read from the index)
        while not done.is_set() or waiting:
            with lock:
                keys = list(waiting)[:500]
            found = views.find({"_id": {"$in": keys}}, {"_id": 1}) if keys else []
            seen = time.perf_counter()
            with lock:
                for view in found:
                    arrived.append((seen - waiting.pop(view["_id"])) * 1000)
            time.sleep(0.005)
            if done.is_set() and time.perf_counter() > deadline:
                break

    deadline = float("inf")
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    total = int(rate * seconds)
    with ThreadPoolExecutor(32) as pool:
        started = time.perf_counter()
        for n in range(total):
            delay = started + n / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(send, n)
    deadline = time.perf_counter() + 60
    done.set()
    watcher.join()
    return {
        "offered_per_s": rate,
        "seconds": seconds,
        "sent": total,
        "errors": len(errors),
        "never_arrived": len(waiting),
        "latency_ms": percentiles(arrived),
    }


def journeys(count: int, pairs: int = 2) -> dict:
    """`pairs` counters with their district handler, each pair doing whole journeys one after
    another: receive, handler sees it arrive (polling as an officer's screen would), accepts and
    resolves, the counter sees the result back and hands it over."""
    teams = [
        (stack.Officer(counter, "receiver"), stack.Officer(district, "handler"))
        for counter, district in JOURNEY_COUNTERS[:pairs]
    ]
    took, failed, finished = [], [], []

    def until(check, timeout=60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return True
            time.sleep(0.05)
        return False

    def arrived(handler, code):
        d = handler.dossier(code)
        return d.get("office_id") == handler.office and d.get("at_office")

    def team(receiver, handler, n):
        for _ in range(n):
            started = time.perf_counter()
            code = receiver.receive().json()["code"]
            ok = until(partial(arrived, handler, code))
            ok = ok and handler.act(code, "accept").status_code == 200
            ok = ok and handler.act(code, "resolve").status_code == 200
            ok = ok and until(partial(ready, receiver, code))
            ok = ok and receiver.act(code, "hand_over").status_code == 200
            (took if ok else failed).append((time.perf_counter() - started) * 1000)
            if ok:
                finished.append(code)

    started = time.perf_counter()
    per_team = max(1, count // len(teams))
    with ThreadPoolExecutor(len(teams)) as pool:
        list(pool.map(lambda t: team(*t, per_team), teams))
    elapsed = time.perf_counter() - started
    return {
        "officer_pairs": len(teams),
        "completed": len(took),
        "failed": len(failed),
        "journeys_per_s": len(took) / elapsed,
        "journey_ms": percentiles(took),
        "codes": finished,
    }


def portal_lag(codes: list[str], timeout: float = 120.0) -> dict:
    """How long the national portal waited for each finished dossier's last change: from the
    event that made its record's last version to the portal's acknowledgement of that version
    (the portal sync's `event_at` and `pushed_at`), once every one is synced."""
    lags, waiting = [], list(codes)
    deadline = time.monotonic() + timeout
    officers: dict[str, stack.Officer] = {}
    while waiting and time.monotonic() < deadline:
        still = []
        for code in waiting:
            office = code.split("-")[0]
            officer = officers.setdefault(office, stack.Officer(office, "receiver"))
            sync = officer.dossier(code).get("portal_sync") or {}
            if sync.get("status") == "synced" and sync["pushed_version"] == sync["record_version"]:
                pushed = datetime.fromisoformat(sync["pushed_at"])
                lags.append(
                    (pushed - datetime.fromisoformat(sync["event_at"])).total_seconds() * 1000
                )
            else:
                still.append(code)
        waiting = still
        if waiting:
            time.sleep(1)
    return {"synced": len(lags), "never_synced": len(waiting), "lag_ms": percentiles(lags)}


def ready(receiver, code) -> bool:
    return receiver.dossier(code).get("state") == "ready_at_counter"


def sms(count: int, clients: int = 8) -> dict:
    """Receive `count` dossiers as fast as intake takes them, then wait for their "received"
    SMS at fakesmsc: messages per second from the first to the last."""
    log = ReceivedLog(stack.fakesmsc_log())
    settle(log)
    receivers = [stack.Officer(office, "receiver") for office in INTAKE_COUNTERS]
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda n: receivers[n % len(receivers)].receive(), range(count)))
    first = last = None
    got = 0
    deadline = time.monotonic() + max(120.0, count / 5)
    while time.monotonic() < deadline:
        got += len(log.new())
        now = time.perf_counter()
        if got and first is None:
            first = now
        if got >= count:
            last = now
            break
        time.sleep(0.2)
    span = (last or time.perf_counter()) - started
    return {
        "dossiers": count,
        "sms_received": got,
        "sms_per_s": got / span if span else None,
        "seconds": round(span, 2),
        "rate_limit_per_s": float(stack.env("LT_SMS_RATE_PER_SECOND", "20")),
    }


def settle(log: ReceivedLog | None = None, quiet: float = 3.0, limit: float = 300.0) -> None:
    """Wait until the stack has nothing left of earlier figures: fakesmsc has received nothing
    new, and nothing is left to do (`busy`), for `quiet` seconds; `log` is then read up to now.
    A figure measured over the last one's backlog measures that backlog: with nine services,
    the portal pushes and documents of the intake figure's dossiers outlast its SMS."""
    log = log or ReceivedLog(stack.fakesmsc_log())
    since, deadline = time.monotonic(), time.monotonic() + limit
    while time.monotonic() < deadline:
        if log.new() or busy():
            since = time.monotonic()
        elif time.monotonic() - since >= max(quiet, 6.0):  # the broker's counts lag about 5 s
            return
        time.sleep(0.5)


def busy() -> list[str]:
    """What the stack still has to do: messages in its queues (not the dead letters, nor a
    reply that nobody waits for any more), the national portal's pushes that are due and the
    events waiting for their push."""
    api = stack.env("LT_RABBITMQ_API", "http://127.0.0.1:15672/api")
    auth = (stack.env("LT_RABBITMQ_USER", "guest"), stack.env("LT_RABBITMQ_PASSWORD", "guest"))
    queues = requests.get(f"{api}/queues", auth=auth, timeout=10).json()
    left = [
        f"{q['name']}={q['messages']}"
        for q in queues
        if q.get("messages")
        and q["name"] != "lienthong.dlq"
        and not (q["name"].startswith("rpc.reply-") and not q.get("consumers"))
    ]
    with MongoClient(stack.mongo_uri()) as client:
        sync = client[stack.database("portal_sync")]
        due = prefix_range(view_id(portal_indexes.QUEUE, "due"))
        if sync[views_of("syncs")].find_one({"_id": due}):
            left.append("portal pushes due")
        if sync[portal_store.INBOX].find_one({"_id": prefix_range(portal_inbox.WAITING)}):
            left.append("portal events waiting")
    return left
