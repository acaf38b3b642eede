"""Writes by `_id`, many documents to one command, with the answers read as the server gives
them: inserts of what is not there yet, replacements (upserts), replacements only over an older
`version`, and deletes. The repositories (repository.py) and the counters (tally.py) write
through these. Write commands are sent as commands, not pymongo's `bulk_write`: pymongo cannot
read FerretDB's answer to an upsert that another one beat.

On FerretDB, a command of many update statements is safe only with the local stack's
atomic-update patch (deploy/ferretdb): without it, the statements' reads stayed open until the
command ended and hung the database as soon as another client wrote to it, and a statement
filtered on a version was no condition at all."""

from pymongo.errors import BulkWriteError, DuplicateKeyError, WriteError

DUPLICATE_KEY = 11000


def insert_new(collection, docs: list[dict]) -> list:
    """Insert what is not there yet (by `_id`); the `_id`s inserted."""
    if not docs:
        return []
    try:
        return list(collection.insert_many(docs, ordered=False).inserted_ids)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(e.get("code") != DUPLICATE_KEY for e in errors):
            raise
        there = {e["index"] for e in errors}
        return [doc["_id"] for i, doc in enumerate(docs) if i not in there]


def put_many(collection, docs: list[dict]) -> None:
    """Replace each document by its `_id`, or insert it: one `update` command."""
    if not docs:
        return
    updates = [{"q": {"_id": doc["_id"]}, "u": doc, "upsert": True} for doc in docs]
    answer = collection.database.command("update", collection.name, updates=updates, ordered=False)
    for error in errors_of(answer, allowed=DUPLICATE_KEY):
        _put(collection, docs[error["index"]])  # a concurrent insert created it first


def put_if_newer(collection, docs: list[dict]) -> list[bool]:
    """Each document written (replaced, or inserted) unless its `_id` holds its `version` or a
    later one already; whether each was written. One `update` command whose statements are
    filtered on the version, each atomic (MongoDB; FerretDB with the patch). A statement whose
    filter does not match upserts, and the server refuses that insert as a duplicate key."""
    updates = [
        {"q": {"_id": d["_id"], "version": {"$lt": d["version"]}}, "u": d, "upsert": True}
        for d in docs
    ]
    answer = collection.database.command("update", collection.name, updates=updates, ordered=False)
    refused = {error["index"] for error in errors_of(answer, allowed=DUPLICATE_KEY)}
    return [i not in refused for i in range(len(docs))]


def drop_many(collection, ids: list[str]) -> None:
    """Delete the documents of `ids`: one `delete` command."""
    if not ids:
        return
    deletes = [{"q": {"_id": _id}, "limit": 1} for _id in ids]
    errors_of(
        collection.database.command("delete", collection.name, deletes=deletes, ordered=False)
    )


def errors_of(answer: dict, allowed: int | None = None) -> list[dict]:
    """A write command's errors of code `allowed`; any other is raised."""
    errors = answer.get("writeErrors", [])
    for error in errors:
        if error.get("code") != allowed:
            raise WriteError(error.get("errmsg", ""), error.get("code"), error)
    return errors


def _put(collection, doc: dict) -> None:
    while True:
        try:
            collection.replace_one({"_id": doc["_id"]}, doc, upsert=True)
            return
        except DuplicateKeyError:  # created meanwhile: replace it now
            continue
