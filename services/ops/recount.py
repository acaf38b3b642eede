"""Recount every service's counters from its aggregates and report any difference from the rows
the folders keep (services/common/tally.py): after a crash, a chaos run, or an upgrade that
changed what a dossier counts for.

    python -m services.ops.recount [--settle SECONDS] [--repair]

Without --repair it reads only, with the services running: a difference still there after
`--settle` seconds (changes in flight settle first) is reported, and the exit status is 1.
`--repair` (services stopped: `make recount REPAIR=1`) writes the recomputed rows, drops the fold
log, empties the counts queue and takes the count messages out of the outboxes (what they would
add is in the aggregates already).
"""

import argparse
import os
import sys
import time

from kombu import Connection
from pymongo import MongoClient

from services.common.messaging import counts_name, counts_queue
from services.common.repository import ADAPTERS
from services.common.tally import Rows, Tally, add, compare, total
from services.ops.reindex import STORES


def counted(client: MongoClient, prefix: str, adapter: str, out=sys.stdout):
    """[(database, aggregate, Tally, the rows recomputed from the aggregates)] of every store."""
    found = []
    for store in STORES:
        db = client[prefix + store.database]
        for name, counts in store.counts.items():
            repository = ADAPTERS[adapter](db, name, store.repositories[name], counts)
            rows: Rows = {}
            n = 0
            for docs in repository.scan():
                n += len(docs)
                add(rows, total(docs, counts.contributions))
                out.write(f"\r{db.name}.{name}: {n} counted")
                out.flush()
            out.write(f"\r{db.name}.{name}: {n} counted, {len(rows)} rows\n")
            found.append((db, name, Tally(db, counts.name), rows, counts))
    return found


def differences(found) -> dict[str, dict]:
    return {
        f"{db.name}.{name}": diff
        for db, name, tally, rows, _ in found
        if (diff := compare(tally.all(), rows))
    }


def recount(client, prefix, adapter, settle: float = 30.0, out=sys.stdout) -> dict[str, dict]:
    """The differences left after `settle` seconds ({} when the counters are right)."""
    deadline = time.monotonic() + settle
    while True:
        diff = differences(counted(client, prefix, adapter, out))
        if not diff or time.monotonic() >= deadline:
            return diff
        out.write("differences (changes in flight?); counting again\n")
        time.sleep(2)


def repair(client, prefix, adapter, amqp_uri: str, out=sys.stdout) -> int:
    """Make the rows the recomputed ones (services stopped); the rows rewritten."""
    changed = 0
    for db, name, tally, rows, counts in counted(client, prefix, adapter, out):
        changed += len(compare(tally.all(), rows))
        with Connection(amqp_uri) as conn:
            queue = counts_queue(counts_name(db.name, counts.name))(conn.default_channel)
            queue.declare()
            queue.purge()
        tally.reset()
        ADAPTERS[adapter](db, name, None, counts).forget_counts()
        tally.replace(rows)
        out.write(f"{db.name}.{name}: rows repaired\n")
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settle", type=float, default=30.0, help="seconds to let changes land")
    parser.add_argument("--repair", action="store_true", help="write the recounted rows")
    args = parser.parse_args(argv)
    client: MongoClient = MongoClient(os.environ["LT_MONGO_URI"], tz_aware=True)
    prefix = os.environ.get("LT_MONGO_DATABASE_PREFIX", "lienthong_")
    adapter = os.environ.get("LT_STORE_ADAPTER") or "journal"
    if args.repair:
        n = repair(client, prefix, adapter, os.environ["LT_AMQP_URI"])
        print(f"{n} rows differed and were rewritten")
        return 0
    diff = recount(client, prefix, adapter, args.settle)
    for where, rows in diff.items():
        print(f"{where}: {len(rows)} rows differ")
        for key, measures in sorted(rows.items())[:20]:
            print(
                f"  {key}: "
                + ", ".join(f"{m} kept {a}, counted {b}" for m, (a, b) in measures.items())
            )
    print("counters agree with the aggregates" if not diff else "counters differ")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
