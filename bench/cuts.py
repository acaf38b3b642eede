"""A quick count of database commands per dossier, by service and by command, from receipt at the
counter to the "received" SMS and its delivery report: `python -m bench.cuts --dossiers 200` on
a running local stack (its env.sh sourced). The same method as `make bench`'s db_ops figure
(bench/dbops.py: each service's lienthong_db_commands_total, less the idle rate of its timers)
without the rest of the bench, so each change to the command count can be measured in a minute.
"""

import argparse
import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests
from prometheus_client.parser import text_string_to_metric_families
from pymongo import MongoClient

from bench import dbops, stack, system
from services.notification.fakesmsc import ReceivedLog


def by_command() -> dict[str, Counter]:
    """{service: {command: count}}: each service's database commands so far."""
    found: dict[str, Counter] = {}
    for name in stack.SERVICES:
        url = f"{stack.service_url(name)}/metrics?name[]=lienthong_db_commands_total"
        text = requests.get(url, timeout=10).text
        found[name] = Counter(
            {
                s.labels["command"]: int(s.value)
                for family in text_string_to_metric_families(text)
                if family.name == "lienthong_db_commands"
                for s in family.samples
                if s.name.endswith("_total") and s.labels.get("command") in dbops.COMMANDS
            }
        )
    return found


def _diff(after: dict[str, Counter], before: dict[str, Counter]) -> dict[str, Counter]:
    return {name: after[name] - before[name] for name in after}


def _snapshot(client: MongoClient) -> tuple[dict[str, Counter], Counter]:
    return by_command(), Counter(dbops.counters(client))


def measure(dossiers: int, clients: int, idle_seconds: float, quiet: float) -> dict:
    client = MongoClient(stack.mongo_uri())
    log = ReceivedLog(stack.fakesmsc_log())
    system.settle(log)
    receivers = [stack.Officer(office, "receiver") for office in system.INTAKE_COUNTERS]
    first = _snapshot(client)
    time.sleep(idle_seconds)
    before = _snapshot(client)
    idle = _diff(before[0], first[0]), before[1] - first[1]
    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        answers = list(
            pool.map(lambda n: receivers[n % len(receivers)].receive().status_code, range(dossiers))
        )
    accepted = sum(1 for code in answers if code == 201)
    got, deadline = 0, time.monotonic() + max(120.0, dossiers / 2)
    while got < accepted and time.monotonic() < deadline:
        got += len(log.new())
        time.sleep(0.5)
    # then the delivery reports: until no service's commands move for `quiet` seconds beyond
    # its timers
    last, since = by_command(), time.monotonic()
    while time.monotonic() - since < quiet and time.monotonic() < deadline:
        time.sleep(1.0)
        now = by_command()
        span = time.monotonic() - started
        moving = any(
            sum(_diff(now, last)[name].values())
            > 2 + sum(idle[0][name].values()) / idle_seconds * 1.0
            for name in now
        )
        if moving:
            since = time.monotonic()
        last = now
    after, span = _snapshot(client), time.monotonic() - started
    scale = span / idle_seconds

    def per(delta: Counter, idle_delta: Counter) -> dict[str, float]:
        out = {}
        for command, n in delta.items():
            value = (n - idle_delta.get(command, 0) * scale) / accepted
            if round(value, 1):
                out[command] = round(value, 2)
        return out

    services = {
        name: per(after[0][name] - before[0][name], idle[0][name]) for name in stack.SERVICES
    }
    return {
        "dossiers": accepted,
        "sms": got,
        "seconds": round(span, 1),
        "by_service": {
            name: {"total": round(sum(v.values()), 1), **v} for name, v in services.items()
        },
        "total": round(sum(sum(v.values()) for v in services.values()), 1),
        "server": per(after[1] - before[1], idle[1]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dossiers", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--quiet", type=float, default=4.0)
    args = parser.parse_args()
    result = measure(args.dossiers, args.clients, args.idle_seconds, args.quiet)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
