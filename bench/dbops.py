"""Database operations per dossier: the database server's own command counters (serverStatus
`metrics.commands`, which both mongod and FerretDB keep) read before and after a piece of load,
less what the services' timers do when idle, divided by the dossiers received; and the same by
service, from each service's lienthong_db_commands_total at /metrics."""

import time

import requests
from prometheus_client.parser import text_string_to_metric_families
from pymongo import MongoClient

from bench import stack

COMMANDS = ("find", "getMore", "insert", "update", "delete", "findAndModify", "aggregate", "count")


def counters(client: MongoClient) -> dict[str, int]:
    """The server's totals of the commands that read or write documents."""
    commands = client.admin.command("serverStatus").get("metrics", {}).get("commands", {})
    return {c: int(commands[c]["total"]) for c in COMMANDS if c in commands}


def by_service() -> dict[str, int]:
    """Each service's count of the commands above that it has sent (its /metrics)."""
    found = {}
    for name in stack.SERVICES:
        url = f"{stack.service_url(name)}/metrics?name[]=lienthong_db_commands_total"
        text = requests.get(url, timeout=10).text
        found[name] = sum(
            int(s.value)
            for family in text_string_to_metric_families(text)
            if family.name == "lienthong_db_commands"
            for s in family.samples
            if s.labels.get("command") in COMMANDS
        )
    return found


def _per_dossier(before: dict, after: dict, idle_rate: dict, span: float, dossiers: int):
    counts = {
        k: max(0.0, n - before.get(k, 0) - idle_rate.get(k, 0) * span) for k, n in after.items()
    }
    return {k: round(n / dossiers, 1) for k, n in counts.items() if n and dossiers}


class Counting:
    """Counts the database commands of everything the stack does between start() and stop(),
    minus the idle rate measured for `idle_seconds` at start (outbox sweepers, timers)."""

    def __init__(self, idle_seconds: float = 10.0):
        self.client = MongoClient(stack.mongo_uri())
        self.idle_seconds = idle_seconds

    def start(self) -> None:
        first = counters(self.client), by_service()
        time.sleep(self.idle_seconds)
        self.before, self.started = (counters(self.client), by_service()), time.monotonic()
        self.idle_rate = [
            {k: (now.get(k, 0) - n) / self.idle_seconds for k, n in earlier.items()}
            for earlier, now in zip(first, self.before, strict=True)
        ]

    def stop(self, dossiers: int) -> dict:
        after, span = (counters(self.client), by_service()), time.monotonic() - self.started
        per_command, per_service = (
            _per_dossier(b, a, idle, span, dossiers)
            for b, a, idle in zip(self.before, after, self.idle_rate, strict=True)
        )
        return {
            "dossiers": dossiers,
            "seconds": round(span, 1),
            "idle_ops_per_s": round(sum(self.idle_rate[0].values()), 2),
            "per_dossier": per_command,
            "total_per_dossier": round(sum(per_command.values()), 1),
            "per_dossier_by_service": per_service,
        }
