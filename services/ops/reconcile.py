"""Reconcile a day's online payments with the payment platform: our payments paid online on a
UTC day (the payment service's database) against the platform's records of that day (its query
API), each mismatch named. Exits 1 when there is one, so a scheduler can raise it.

    python -m services.ops.reconcile --date 2026-12-05
"""

import argparse
import json
import os
import sys
from datetime import UTC, date, datetime, timedelta

from pymongo import MongoClient

from services.common.repository import ADAPTERS
from services.payment import domain, indexes
from services.payment.platform import PlatformClient, PlatformError
from services.payment.store import PaymentRecords, PaymentStore


def reconcile(records: PaymentRecords, platform: PlatformClient, day: date) -> dict:
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    ours = records.collected("online", start, start + timedelta(days=1))
    theirs = platform.paid_on(day.isoformat())
    return {
        "date": day.isoformat(),
        "ours": len(ours),
        "platform": len(theirs),
        "collected_vnd": sum(p["amount_vnd"] for p in ours),
        "mismatches": domain.reconcile(ours, theirs),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", required=True, help="the UTC day, YYYY-MM-DD")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    try:
        day = date.fromisoformat(args.date)
    except ValueError:
        parser.error(f"--date must be YYYY-MM-DD, not {args.date!r}")
    uri = os.environ.get("LT_MONGO_URI", "mongodb://127.0.0.1:27017/")
    client: MongoClient = MongoClient(uri, tz_aware=True)
    prefix = os.environ.get("LT_MONGO_DATABASE_PREFIX", "lienthong_")
    db = client[prefix + PaymentStore.database]
    adapter = ADAPTERS[os.environ.get("LT_STORE_ADAPTER") or "journal"]
    records = PaymentRecords(db, adapter(db, "payments", indexes.VIEWS))
    platform = PlatformClient(os.environ.get("LT_PAYMENT_PLATFORM_URL", "http://127.0.0.1:8091"))
    try:
        report = reconcile(records, platform, day)
    except PlatformError as exc:
        print(f"reconcile {day}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        print(
            f"{report['date']}: {report['ours']} online payments here "
            f"({report['collected_vnd']:,} VND), {report['platform']} at the platform"
        )
        for m in report["mismatches"]:
            print(f"  {m['mismatch']}: {m['payment_id']} ({m['reference']}) ours={m['ours']} "
                  f"platform={m['platform']}")  # fmt: skip
        if not report["mismatches"]:
            print("  no mismatch")
    return 1 if report["mismatches"] else 0


if __name__ == "__main__":
    sys.exit(main())
