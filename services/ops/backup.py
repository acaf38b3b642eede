"""Backup and restore of every service's database, over the MongoDB wire protocol with pymongo
(mongodump is not available next to FerretDB).

A backup is a directory: `manifest.json` (when, from where, each database's collections with
their document counts and indexes) and one `<database>/<collection>.bson` per collection, the
documents as concatenated BSON (the format mongodump writes). Restore reads the manifest, checks
the counts, and inserts in small batches; run it with the services stopped.

    python -m services.ops.backup backup [--dir DIR]
    python -m services.ops.backup restore [--dir DIR] [--drop]
"""

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import bson
from bson.codec_options import CodecOptions
from pymongo import MongoClient
from pymongo.errors import BulkWriteError

SERVICES = (
    "intake",
    "routing",
    "postal",
    "notification",
    "payment",
    "portal_sync",
    "documents",  # its records, and the files themselves (GridFS: fs.files, fs.chunks)
    "feedback",
    "gateway",
)
BATCH = 50  # FerretDB (SQLite) stalls on large insert batches
FORMAT = 1
_CODEC = CodecOptions(tz_aware=True, tzinfo=UTC)


def databases(prefix: str) -> list[str]:
    return [prefix + s for s in SERVICES]


def _say(out, text: str) -> None:
    out.write(text + "\n")
    out.flush()


def backup(client: MongoClient, prefix: str, target: Path, out=sys.stdout) -> dict:
    """Write every service database to `target`; returns the manifest."""
    target.mkdir(parents=True, exist_ok=False)
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(),
        "prefix": prefix,
        "databases": {},
    }
    existing = set(client.list_database_names())
    for name in databases(prefix):
        if name not in existing:
            _say(out, f"{name}: absent, skipped")
            continue
        db = client.get_database(name, codec_options=_CODEC)
        (target / name).mkdir()
        collections = {}
        for coll in sorted(db.list_collection_names()):
            count = 0
            with open(target / name / f"{coll}.bson", "wb") as f:
                for doc in db[coll].find({}, sort=[("_id", 1)]):
                    f.write(bson.encode(doc, codec_options=_CODEC))
                    count += 1
            indexes = [
                {"keys": [list(k) for k in info["key"]], "unique": bool(info.get("unique"))}
                for iname, info in db[coll].index_information().items()
                if iname != "_id_"
            ]
            collections[coll] = {"documents": count, "indexes": indexes}
            _say(out, f"{name}.{coll}: {count} documents")
        manifest["databases"][name] = collections
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def _insert(collection, batch: list[dict]) -> int:
    """Insert a batch; documents already there (same _id) are kept as they are."""
    try:
        return len(collection.insert_many(batch, ordered=False).inserted_ids)
    except BulkWriteError as exc:
        if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
            raise
        return exc.details.get("nInserted", 0)


def restore(
    client: MongoClient, source: Path, prefix: str | None = None, drop=False, out=sys.stdout
) -> dict:
    """Load a backup; `prefix` renames its databases (default: the prefix it was taken with).
    With `drop`, each collection is emptied first; otherwise documents already present are kept.
    Returns {database.collection: documents inserted}."""
    manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise ValueError(f"unknown backup format {manifest.get('format')}")
    inserted = {}
    for name, collections in manifest["databases"].items():
        target = (prefix + name.removeprefix(manifest["prefix"])) if prefix else name
        db = client.get_database(target, codec_options=_CODEC)
        for coll, meta in collections.items():
            path = source / name / f"{coll}.bson"
            if drop:
                db.drop_collection(coll)
            n = read = 0
            batch = []
            with open(path, "rb") as f:
                for doc in bson.decode_file_iter(f, codec_options=_CODEC):
                    read += 1
                    batch.append(doc)
                    if len(batch) == BATCH:
                        n += _insert(db[coll], batch)
                        batch = []
                        if read % 1000 == 0:
                            _say(out, f"{target}.{coll}: {read}/{meta['documents']}")
            if batch:
                n += _insert(db[coll], batch)
            if read != meta["documents"]:
                raise ValueError(f"{path}: {read} documents, the manifest says {meta['documents']}")
            for index in meta.get("indexes", []):
                db[coll].create_index([tuple(k) for k in index["keys"]], unique=index["unique"])
            inserted[f"{target}.{coll}"] = n
            _say(out, f"{target}.{coll}: {n} of {read} documents inserted")
    return inserted


def latest(root: Path) -> Path:
    found = sorted(p.parent for p in root.glob("*/manifest.json"))
    if not found:
        raise FileNotFoundError(f"no backup under {root}")
    return found[-1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="backup", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    root = Path(
        os.environ.get("LT_BACKUP_DIR", Path(os.environ.get("LT_STACK_DIR", ".")) / "backups")
    )
    b = sub.add_parser("backup", help="write every service database to a new directory")
    b.add_argument("--dir", type=Path, help=f"default: {root}/<UTC time>")
    r = sub.add_parser("restore", help="load a backup (stop the services first)")
    r.add_argument("--dir", type=Path, help=f"default: the latest under {root}")
    r.add_argument("--drop", action="store_true", help="empty each collection first")
    args = parser.parse_args(argv)
    prefix = os.environ.get("LT_MONGO_DATABASE_PREFIX", "lienthong_")
    client = MongoClient(
        os.environ.get("LT_MONGO_URI", "mongodb://127.0.0.1:27017/"),
        serverSelectionTimeoutMS=5000,
        tz_aware=True,
    )
    with client:
        if args.command == "backup":
            target = args.dir or root / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            manifest = backup(client, prefix, target)
            total = sum(c["documents"] for d in manifest["databases"].values() for c in d.values())
            print(f"backup of {len(manifest['databases'])} databases, {total} documents: {target}")
            return 0
        source = args.dir or latest(root)
        inserted = restore(client, source, prefix, drop=args.drop)
        print(f"restored {sum(inserted.values())} documents from {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
