"""Database operations per dossier: the database server's own command counters (serverStatus
`metrics.commands`, which both mongod and FerretDB keep) read before and after a piece of load,
less what the services' timers do when idle, divided by the dossiers received."""

import time

from pymongo import MongoClient

from bench import stack

COMMANDS = ("find", "getMore", "insert", "update", "delete", "findAndModify", "aggregate", "count")


def counters(client: MongoClient) -> dict[str, int]:
    """The server's totals of the commands that read or write documents."""
    commands = client.admin.command("serverStatus").get("metrics", {}).get("commands", {})
    return {c: int(commands[c]["total"]) for c in COMMANDS if c in commands}


class Counting:
    """Counts the database commands of everything the stack does between start() and stop(),
    minus the idle rate measured for `idle_seconds` at start (outbox sweepers, timers)."""

    def __init__(self, idle_seconds: float = 10.0):
        self.client = MongoClient(stack.mongo_uri())
        self.idle_seconds = idle_seconds

    def start(self) -> None:
        first = counters(self.client)
        time.sleep(self.idle_seconds)
        self.before, self.started = counters(self.client), time.monotonic()
        self.idle_rate = {
            c: (self.before.get(c, 0) - n) / self.idle_seconds for c, n in first.items()
        }

    def stop(self, dossiers: int) -> dict:
        after, span = counters(self.client), time.monotonic() - self.started
        by_command = {
            c: max(0.0, after.get(c, 0) - self.before.get(c, 0) - self.idle_rate.get(c, 0) * span)
            for c in after
        }
        per_dossier = {c: round(n / dossiers, 1) for c, n in by_command.items() if n and dossiers}
        return {
            "dossiers": dossiers,
            "seconds": round(span, 1),
            "idle_ops_per_s": round(sum(self.idle_rate.values()), 2),
            "per_dossier": per_dossier,
            "total_per_dossier": round(sum(per_dossier.values()), 1),
        }
