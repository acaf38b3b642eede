"""The local stack's FerretDB leaves SQLite no query-planner statistics (deploy/ferretdb/
no-analyze.patch). FerretDB 1.24 ran ANALYZE on every collStats and dbStats; statistics taken
while a table had 31 rows stayed after it grew to 2,500,000, and SQLite then scanned the whole
table for an `_id` IN list of ten keys, holding the database's write lock for 10-20 s.

Read from the SQLite file itself, beside the server: skipped on a mongod (which has no such
statistics) and when the file is not on this machine."""

import os
import sqlite3
import uuid
from pathlib import Path

import pytest
from pymongo import MongoClient

pytestmark = pytest.mark.integration


def sqlite_file(client: MongoClient, name: str) -> Path:
    if "ferretdbVersion" not in client.admin.command("buildInfo"):
        pytest.skip("not FerretDB: a mongod keeps no SQLite statistics")
    path = Path(os.environ.get("LT_STACK_DIR", ".stack")) / "mongo" / f"{name}.sqlite"
    if not path.exists():
        pytest.skip(f"FerretDB's file {path} is not on this machine")
    return path


def statistics(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as con:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "sqlite_stat1" not in tables:
            return []
        return con.execute("SELECT tbl, idx, stat FROM sqlite_stat1").fetchall()


def test_collection_and_database_stats_leave_the_planner_no_statistics(servers):
    client = MongoClient(servers["mongo"], tz_aware=True)
    name = f"t{uuid.uuid4().hex[:8]}_stats"
    db = client[name]
    try:
        db.rows.insert_many(
            [{"_id": f"X{i:05d}|2012-01-03", "m": {"received": 1}} for i in range(31)]
        )
        path = sqlite_file(client, name)
        size = db.command("collStats", "rows")["size"]
        db.command("dbStats")
        assert size > 0  # the figures still come (from SQLite's dbstat)
        assert statistics(path) == []
        # and an `_id` IN list still finds its rows
        keys = [f"X{i:05d}|2012-01-03" for i in range(0, 31, 3)]
        assert sorted(r["_id"] for r in db.rows.find({"_id": {"$in": keys}})) == keys
    finally:
        client.drop_database(name)
        client.close()
