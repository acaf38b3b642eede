"""Operator command: issue or revoke an officer's bearer token.

python -m services.gateway.officers issue --office X28720 --role receiver --name "Nguyễn Văn A"
python -m services.gateway.officers list
python -m services.gateway.officers revoke ID   (the id `list` shows, or the token itself)
"""

import argparse
import os
import sys

from pymongo import MongoClient

from contracts.lifecycle import HANDLER, LEADER, RECEIVER
from contracts.offices import UnknownOffice, load_offices
from services.common.clock import now
from services.gateway.store import Officers


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="officers", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    issue = sub.add_parser("issue", help="issue a token (shown once)")
    issue.add_argument("--office", required=True)
    issue.add_argument("--role", required=True, choices=[RECEIVER, HANDLER, LEADER])
    issue.add_argument("--name", required=True)
    sub.add_parser("list", help="every token: id, office, role, name, issued, revoked")
    revoke = sub.add_parser("revoke", help="revoke a token by its id (or the token itself)")
    revoke.add_argument("token")
    args = parser.parse_args(argv)

    uri = os.environ.get("LT_MONGO_URI", "mongodb://127.0.0.1:27017/")
    officers = Officers(MongoClient(uri, tz_aware=True)["lienthong_gateway"])
    if args.command == "issue":
        try:
            load_offices().get(args.office)
        except UnknownOffice:
            print(f"no office {args.office!r}", file=sys.stderr)
            return 2
        print(officers.issue(args.office, args.role, args.name, now()))
        return 0
    if args.command == "list":
        print(f"{'id':12}  {'office':8}  {'role':8}  {'issued':16}  {'revoked':16}  name")
        for o in officers.all():
            revoked = f"{o['revoked_at']:%Y-%m-%d %H:%M}" if o["revoked_at"] else "-"
            print(
                f"{o['id'][:12]:12}  {o['office_id']:8}  {o['role']:8}  "
                f"{o['issued_at']:%Y-%m-%d %H:%M}  {revoked:16}  {o['name']}"
            )
        return 0
    if not officers.revoke(args.token, now()):
        print("no such active token", file=sys.stderr)
        return 1
    print("revoked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
