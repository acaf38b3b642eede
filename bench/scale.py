"""The scale figures: routing's worklist and statistics queries with many offices and dossiers.

`load` writes synthetic dossiers straight into routing's database, each with the read views
routing itself would write (services/routing/indexes.py), with a progress bar; a marker remembers
what is loaded, so a second run reuses it. Offices: the catalog's, plus synthetic provinces
(T5xx), districts (H5xxx) and communes (X5xxxxx) up to the number asked. Dossiers: received at a
random commune over the last year; 25 % stay at the commune, 60 % go on to its district, 15 % to
the district and the province; 88 % are finished (returned, with their timing), 12 % open at one
office of their route, due 8–60 days ahead (so the due-alert timer has nothing to raise)."""

import random
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from pymongo import MongoClient
from pymongo.errors import BulkWriteError
from tqdm import tqdm

from bench import stack
from bench.measure import percentiles
from contracts import lifecycle as lc
from contracts.api import WORKLIST_PAGE
from contracts.offices import load_offices
from services.routing import indexes, stats
from services.routing.store import RoutingRecords

BATCH = 1000
MARKER = "bench_scale"


def offices(total: int) -> dict[str, str | None]:
    """{office_id: parent_id}: the catalog's offices, then synthetic ones up to `total`."""
    tree = {o.id: o.parent_id for o in load_offices().all()}
    n = 0
    while len(tree) < total:
        province = f"T5{n:02d}"
        tree[province] = None
        for d in range(10):
            district = f"H5{n:02d}{d}"
            tree[district] = province
            for c in range(16):
                if len(tree) >= total:
                    return tree
                tree[f"X5{n:02d}{d}{c:02d}"] = district
        n += 1
    return tree


def _dossier(rng: random.Random, commune: str, tree: dict, serial: int, now: datetime) -> dict:
    chain = [commune]
    while tree.get(chain[-1]):
        chain.append(tree[chain[-1]])
    roll = rng.random()
    hops = 1 if roll < 0.25 else (2 if roll < 0.85 else 3)
    chain = chain[: min(hops, len(chain))]
    received = now - timedelta(days=rng.uniform(1, 365))
    appointment = received + timedelta(days=15)
    route = [
        {
            "index": i,
            "level": lc_level(i, len(chain)),
            "office_id": office,
            "due_at": received + timedelta(days=5 * (i + 1)),
            "arrived_at": received,
            "done_at": None,
            "timing": None,
            "outcome": None,
        }
        for i, office in enumerate(chain)
    ]
    code = f"{commune}-{received:%y%m%d}-{5000 + serial % 5000:04d}{serial // 5000:x}"
    d = {
        "_id": code,
        "procedure_code": "XD-01",
        "procedure_name": "Cấp giấy phép xây dựng nhà ở riêng lẻ",
        "receiving_office_id": commune,
        "channel": rng.choice(("counter", "counter", "online", "post")),
        "return_method": "counter",
        "received_at": received,
        "appointment_at": appointment,
        "legal_due_at": appointment,
        "received_by": "Bench",
        "apologies": [],
        "route": route,
        "step_index": len(chain) - 1,
        "office_id": commune,
        "at_office": True,
        "direction": "back",
        "state": lc.RETURNED,
        "not_accepted_reason": None,
        "current_due_at": appointment,
        "supplement_requests": 0,
        "paused_at": None,
        "timing": None,
        "finished_at": None,
        "outcome": None,
        "returned_at": None,
        "route_office_ids": sorted(set(chain)),
        "due_soon_steps": [],
        "overdue_steps": [],
        "history": [
            {
                "at": received,
                "type": "dossier_received",
                "state": lc.RECEIVED,
                "office_id": commune,
                "by": {"name": "Bench", "role": "receiver"},
            }
        ],
        "handovers": [],
        "applied": [],
        "version": 1,
    }
    if rng.random() < 0.12:  # open, at one office of its route
        received = now - timedelta(days=rng.uniform(0, 30))
        step = rng.randrange(len(chain))
        d.update(
            received_at=received,
            appointment_at=received + timedelta(days=45),
            step_index=step,
            office_id=chain[step],
            direction="forward",
            state=lc.IN_PROCESS,
            current_due_at=now + timedelta(days=rng.uniform(8, 60)),
        )
    else:
        finished = received + timedelta(days=rng.uniform(1, 20))
        d.update(
            finished_at=finished,
            returned_at=finished + timedelta(days=1),
            outcome=lc.RESOLVED,
            timing="early"
            if finished < appointment - timedelta(days=2)
            else ("on_time" if finished <= appointment else "late"),
        )
    return d


def lc_level(i: int, hops: int) -> str:
    return ("commune", "district", "province")[i]


def _insert(collection, docs: list[dict]) -> None:
    if not docs:
        return
    try:
        collection.insert_many(docs, ordered=False)
    except BulkWriteError as exc:  # a resumed load: what exists stays
        if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
            raise


def load(office_count: int, dossier_count: int, seed: int = 9) -> dict:
    """Load (or find loaded) `dossier_count` dossiers over `office_count` offices."""
    db = MongoClient(stack.mongo_uri(), tz_aware=True)[stack.database("routing")]
    # `shape` changes with the dossier's document and view keys: an older load is not reused
    wanted = {"offices": office_count, "dossiers": dossier_count, "seed": seed, "shape": 2}
    marker = db[MARKER].find_one({"_id": "loaded"}) or {}
    tree = offices(office_count)
    if all(marker.get(k) == v for k, v in wanted.items()):
        return {**wanted, "seconds": 0.0, "reused": True, "tree": tree}
    communes = sorted(o for o in tree if o.startswith("X"))
    now = datetime.now(UTC)
    started = time.perf_counter()

    def batch(first: int) -> int:
        rng = random.Random(seed * 1_000_003 + first)
        docs = [
            _dossier(rng, rng.choice(communes), tree, first + i, now)
            for i in range(min(BATCH, dossier_count - first))
        ]
        views: dict[str, list[dict]] = {}
        for d in docs:
            for name, entries in indexes.entries(d).items():
                views.setdefault(name, []).extend({**e, "_id": k} for k, e in entries.items())
        _insert(db.dossiers, docs)
        for name, entries in views.items():
            _insert(db[name], entries)
        return len(docs)

    with (
        tqdm(total=dossier_count, unit="dossier", desc="loading", smoothing=0.1) as bar,
        ThreadPoolExecutor(3) as pool,
    ):
        for done in pool.map(batch, range(0, dossier_count, BATCH)):
            bar.update(done)
    seconds = time.perf_counter() - started
    db[MARKER].replace_one({"_id": "loaded"}, {"_id": "loaded", **wanted}, upsert=True)
    return {
        **wanted,
        "seconds": round(seconds, 1),
        "reused": False,
        "dossiers_per_s": dossier_count / seconds,
        "tree": tree,
    }


def queries(tree: dict, samples: int, seed: int = 9) -> dict:
    """Routing's own worklist and statistics reads (the code its RPCs run) for sampled offices,
    and the same through the HTTP API for catalog offices."""
    db = MongoClient(stack.mongo_uri(), tz_aware=True)[stack.database("routing")]
    records = RoutingRecords(db)
    rng = random.Random(seed)
    by_level = {"province": [], "district": [], "commune": []}
    for office, parent in tree.items():
        level = "province" if parent is None else ("commune" if office[0] == "X" else "district")
        by_level[level].append(office)
    sample = rng.sample(list(tree), min(samples, len(tree)))
    sample += rng.sample(by_level["district"], min(samples // 10, len(by_level["district"])))
    sample += rng.sample(by_level["province"], min(samples // 20, len(by_level["province"])))
    now = datetime.now(UTC)
    start, end = now - timedelta(days=30), now
    worklist, stats_ms, sizes = [], [], []
    for office in sample:
        t = time.perf_counter()
        rows, _ = records.worklist(office, WORKLIST_PAGE)
        worklist.append((time.perf_counter() - t) * 1000)
        sizes.append(len(rows))
    for office in sample[: max(10, samples // 5)]:
        t = time.perf_counter()
        stats.office_stats(records.in_route_of(office), office, start, end, now)
        stats_ms.append((time.perf_counter() - t) * 1000)
    return {
        "offices_sampled": len(sample),
        "store_worklist_ms": percentiles(worklist),
        "worklist_rows": percentiles(sizes),
        "store_stats_ms": percentiles(stats_ms),
        **http_queries(samples),
    }


def http_queries(requests_: int) -> dict:
    """GET worklist and stats through the gateway (token, RPC to routing, JSON) for the
    catalog's offices, one officer each."""
    catalog = [o.id for o in load_offices().all()]
    officers = [stack.Officer(office, "leader") for office in catalog]
    today = datetime.now(stack.LOCAL).date()
    worklist, stats_ms = [], []
    for n in range(requests_):
        officer = officers[n % len(officers)]
        t = time.perf_counter()
        assert officer.worklist().status_code == 200
        worklist.append((time.perf_counter() - t) * 1000)
    for n in range(max(10, requests_ // 5)):
        officer = officers[n % len(officers)]
        t = time.perf_counter()
        r = officer.stats(officer.office, str(today - timedelta(days=30)), str(today))
        assert r.status_code == 200, r.text
        stats_ms.append((time.perf_counter() - t) * 1000)
    return {"http_worklist_ms": percentiles(worklist), "http_stats_ms": percentiles(stats_ms)}
