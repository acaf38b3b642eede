"""Keys of read views: FerretDB (local build) reads `_id` equality, `$in` and string ranges from
its index (deploy/ferretdb/id-range.patch), so each query a service must answer at scale is made
one `_id` range of a view collection whose keys are built here. Keys use only characters the patch
pushes down ([#-~], no backslash); elsewhere the same filters are still right, only slower."""

from datetime import UTC, datetime


def sort_key(t: datetime) -> str:
    """An instant as a fixed-width UTC string that sorts like the instant, to the millisecond
    (what the database keeps: a key made before and after storing the instant is the same)."""
    t = t.astimezone(UTC)
    return f"{t:%Y%m%dT%H%M%S}{t.microsecond // 1000:03d}"


def prefix_range(prefix: str) -> dict:
    """Every `_id` that starts with `prefix|` ('}' follows '|')."""
    return {"$gte": f"{prefix}|", "$lt": f"{prefix}}}"}


def until(prefix: str, t: datetime) -> dict:
    """Every `_id` `prefix|<instant>|…` whose instant is at or before `t`."""
    return {"$gte": f"{prefix}|", "$lt": f"{prefix}|{sort_key(t)}}}"}


def last_part(key: str) -> str:
    """The id at the end of a view key."""
    return key.rpartition("|")[2]
