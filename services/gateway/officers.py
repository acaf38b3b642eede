"""Operator command: issue, rotate or revoke an officer's bearer token.

python -m services.gateway.officers issue --office X28720 --role receiver --name "Nguyễn Văn A"
python -m services.gateway.officers list
python -m services.gateway.officers rotate ID [--grace-hours 24]   (a new token; the old one
                                                                  works for the grace, then ends)
python -m services.gateway.officers revoke ID   (the id `list` shows, or the token itself)

A token expires LT_OFFICER_TOKEN_DAYS days after it is issued (90; 0: never).
"""

import argparse
import os
import sys
from datetime import timedelta

from pymongo import MongoClient

from contracts.lifecycle import HANDLER, LEADER, RECEIVER
from contracts.offices import UnknownOffice, load_offices
from services.common.clock import now
from services.gateway.store import Officers

DEFAULT_DAYS = 90


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="officers", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    issue = sub.add_parser("issue", help="issue a token (shown once)")
    issue.add_argument("--office", required=True)
    issue.add_argument("--role", required=True, choices=[RECEIVER, HANDLER, LEADER])
    issue.add_argument("--name", required=True)
    sub.add_parser("list", help="every token: id, office, role, name, issued, revoked")
    rotate = sub.add_parser("rotate", help="a new token for the same officer (shown once)")
    rotate.add_argument("token")
    rotate.add_argument("--grace-hours", type=float, default=24.0)
    revoke = sub.add_parser("revoke", help="revoke a token by its id (or the token itself)")
    revoke.add_argument("token")
    args = parser.parse_args(argv)
    at = now(os.environ.get("LT_CLOCK_OFFSET_FILE"))  # the stack's clock, as the gateway's
    days = float(os.environ.get("LT_OFFICER_TOKEN_DAYS") or DEFAULT_DAYS)
    lifetime = timedelta(days=days) if days > 0 else None

    uri = os.environ.get("LT_MONGO_URI", "mongodb://127.0.0.1:27017/")
    officers = Officers(MongoClient(uri, tz_aware=True)["lienthong_gateway"])
    if args.command == "issue":
        try:
            load_offices().get(args.office)
        except UnknownOffice:
            print(f"no office {args.office!r}", file=sys.stderr)
            return 2
        print(
            officers.issue(
                args.office,
                args.role,
                args.name,
                at,
                lifetime,
            )
        )
        return 0
    if args.command == "rotate":
        grace = timedelta(hours=args.grace_hours)
        token = officers.rotate(args.token, at, lifetime, grace)
        if token is None:
            print("no such active token", file=sys.stderr)
            return 1
        print(token)
        return 0
    if args.command == "list":
        print(
            f"{'id':12}  {'office':8}  {'role':8}  {'issued':16}  {'expires':16}  "
            f"{'revoked':16}  name"
        )
        for o in officers.all():
            revoked = f"{o['revoked_at']:%Y-%m-%d %H:%M}" if o["revoked_at"] else "-"
            expires = f"{o['expires_at']:%Y-%m-%d %H:%M}" if o.get("expires_at") else "never"
            print(
                f"{o['id'][:12]:12}  {o['office_id']:8}  {o['role']:8}  "
                f"{o['issued_at']:%Y-%m-%d %H:%M}  {expires:16}  {revoked:16}  {o['name']}"
            )
        return 0
    if not officers.revoke(args.token, at):
        print("no such active token", file=sys.stderr)
        return 1
    print("revoked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
