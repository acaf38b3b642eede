"""Compact the bookkeeping of settled aggregates (docs/retention.md): the journal entries of
dossiers, receipts, SMS and shipments that stopped changing more than `--days` ago, whose
documents hold all the law asks to keep. Safe with the services running. Reports the bytes each
collection holds before and after.

    python -m services.ops.compact [--days N] [--batch N]
"""

import argparse
import os
import sys
from datetime import UTC, datetime, timedelta

from pymongo import MongoClient

from services.common.repository import ADAPTERS, RECENT_FOR
from services.ops.reindex import STORES

RETENTION = timedelta(days=30)  # how long a settled aggregate keeps its journal


def sizes(client: MongoClient, prefix: str) -> dict[str, int]:
    """Bytes held by every collection of every service ({database.collection: bytes})."""
    found = {}
    for store in STORES:
        db = client[prefix + store.database]
        for name in db.list_collection_names():
            found[f"{store.database}.{name}"] = int(db.command("collStats", name).get("size", 0))
    return found


def compact(client, prefix: str, adapter: str, before: datetime, batch=500, out=sys.stdout):
    """Compact every repository that says when its aggregates settle; {collection: removed}."""
    removed = {}
    for store in STORES:
        db = client[prefix + store.database]
        for name, settled in store.settled.items():
            repository = ADAPTERS[adapter](db, name, store.repositories[name])
            total = 0
            for done, n in repository.compact(settled, before, batch):
                total += n
                out.write(f"\r{db.name}.{name}: {done} read, {total} journal entries removed")
                out.flush()
            out.write(f"\r{db.name}.{name}: {total} journal entries removed\n")
            removed[f"{store.database}.{name}"] = total
    return removed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=RETENTION.days, help="settled for (30)")
    parser.add_argument("--batch", type=int, default=500, help="aggregates per batch (500)")
    args = parser.parse_args(argv)
    # the services decide first on versions they remember (RECENT_FOR): the journal entries
    # after one must outlive it, so that a claim decided on it still conflicts
    if timedelta(days=args.days) < 2 * timedelta(seconds=RECENT_FOR):
        parser.error(f"--days must leave at least {2 * RECENT_FOR:.0f} seconds after settling")
    client: MongoClient = MongoClient(os.environ["LT_MONGO_URI"], tz_aware=True)
    prefix = os.environ.get("LT_MONGO_DATABASE_PREFIX", "lienthong_")
    adapter = os.environ.get("LT_STORE_ADAPTER") or "journal"
    before = sizes(client, prefix)
    compact(client, prefix, adapter, datetime.now(UTC) - timedelta(days=args.days), args.batch)
    after = sizes(client, prefix)
    for name in sorted(before):
        if before[name] != after.get(name):
            print(f"{name}: {before[name]:,} -> {after.get(name, 0):,} bytes")
    print(f"total: {sum(before.values()):,} -> {sum(after.values()):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
