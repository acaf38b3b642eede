"""Operators' view of the national portal sync, and pushing again.

    python -m services.ops.portal status [--code CODE]     one dossier's sync, or the parked ones
                                                           (and events whose receipt never came)
    python -m services.ops.portal resync --code CODE       push one dossier again
    python -m services.ops.portal resync --from YYYY-MM-DD --to YYYY-MM-DD
                                                           push again every dossier received on
                                                           those local days (both included)
A resync gives the record a new version, so the portal takes it even if it has the last one;
the portal-sync service pushes it at its configured rate.
"""

import argparse
import json
import os
import sys
from datetime import date

from pymongo import MongoClient

from contracts.calendar import WorkingCalendar, period
from services.common.clock import now
from services.common.repository import ADAPTERS, Change, NotFound
from services.portal_sync import indexes, record
from services.portal_sync.store import SyncRecords, SyncStore


def records() -> SyncRecords:
    uri = os.environ.get("LT_MONGO_URI", "mongodb://127.0.0.1:27017/")
    client: MongoClient = MongoClient(uri, tz_aware=True)
    db = client[os.environ.get("LT_MONGO_DATABASE_PREFIX", "lienthong_") + SyncStore.database]
    adapter = ADAPTERS[os.environ.get("LT_STORE_ADAPTER") or "journal"]
    return SyncRecords(db, adapter(db, "syncs", indexes.VIEWS))


def resync(syncs: SyncRecords, codes: list[str], out=sys.stdout) -> int:
    done = 0
    for i, code in enumerate(codes, 1):
        try:
            at = now(os.environ.get("LT_CLOCK_OFFSET_FILE"))
            syncs.syncs.change(code, lambda s, at=at: Change(record.resync(s, at)))
            done += 1
        except NotFound:
            out.write(f"{code}: not known to the portal sync\n")
        if i % 100 == 0 or i == len(codes):
            out.write(f"\r{i}/{len(codes)} marked for a new push")
            out.flush()
    out.write("\n")
    return done


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    status = sub.add_parser("status")
    status.add_argument("--code")
    again = sub.add_parser("resync")
    again.add_argument("--code")
    again.add_argument("--from", dest="start")
    again.add_argument("--to", dest="end")
    args = parser.parse_args(argv)
    syncs = records()
    if args.command == "status":
        if args.code:
            try:
                found = record.status_of(syncs.syncs.get(args.code))
            except NotFound:
                print(f"{args.code}: not known to the portal sync")
                return 1
            print(json.dumps(found, default=str, ensure_ascii=False, indent=2))
            return 0
        failed, orphans = syncs.failed(), syncs.orphans()
        for f in failed:
            print(f"failed  {f['code']}  {f['failure']}")
        print(f"{len(failed)} parked (make portal-resync CODE=… pushes one again)")
        for o in orphans:
            print(f"no receipt  {o['code']}  {o['body'].get('type')}  {o['_id']}")
        if orphans:
            print(f"{len(orphans)} events of dossiers whose receipt never came to the portal sync")
        return 1 if failed or orphans else 0
    if args.code:
        codes = [args.code]
    elif args.start and args.end:
        try:
            start, end = period(
                date.fromisoformat(args.start), date.fromisoformat(args.end), WorkingCalendar().tz
            )
        except ValueError as exc:
            parser.error(f"--from and --to must be days YYYY-MM-DD: {exc}")
        codes = syncs.received_between(start, end)
    else:
        parser.error("resync needs --code, or --from and --to")
    print(f"{resync(syncs, codes)} dossiers to push again")
    return 0


if __name__ == "__main__":
    sys.exit(main())
