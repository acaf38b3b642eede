"""The scale figures: routing's worklist and statistics queries with many offices and dossiers.

`load` makes synthetic dossiers with routing's own `new_dossier` and bulk-loads them through
its repository (the stack's FerretDB-safe adapter: journal, projection and read views), with a
progress bar; a marker remembers
what is loaded, so a second run reuses it. Offices: the catalog's, plus synthetic provinces
(T5xx), districts (H5xxx) and communes (X5xxxxx) up to the number asked. Dossiers: received at a
random commune over the last year; 25 % stay at the commune, 60 % go on to its district, 15 % to
the district and the province; 88 % are finished (returned, with their timing), 12 % open at one
office of their route, due 8–60 days ahead (so the due-alert timer has nothing to raise)."""

import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import requests
from pymongo import MongoClient
from tqdm import tqdm

from bench import myan, stack
from bench.measure import percentiles
from contracts import lifecycle as lc
from contracts.api import WORKLIST_PAGE
from contracts.calendar import WorkingCalendar
from contracts.offices import LEVELS, load_offices
from services.common.repository import JournalRepository
from services.common.tally import Tally, add
from services.routing import domain, indexes, stats
from services.routing.service import dossier_gauges
from services.routing.store import COUNTS, RoutingRecords

CALENDAR = WorkingCalendar()
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
    """A synthetic dossier in routing's own shape: made by routing's `new_dossier` from a
    dossier_received payload, then moved to where the load wants it."""
    chain = [commune]
    while tree.get(chain[-1]):
        chain.append(tree[chain[-1]])
    roll = rng.random()
    hops = 1 if roll < 0.25 else (2 if roll < 0.85 else 3)
    chain = chain[: min(hops, len(chain))]
    received = now - timedelta(days=rng.uniform(1, 365))
    if open_ := rng.random() < 0.12:  # open, at one office of its route
        received = now - timedelta(days=rng.uniform(0, 30))
    appointment = received + timedelta(days=45 if open_ else 15)
    route = [
        {
            "index": i,
            "level": LEVELS[i],
            "office_id": office,
            "duration_amount": 5,
            "duration_unit": "days",
            "due_at": received + timedelta(days=5 * (i + 1)),
        }
        for i, office in enumerate(chain)
    ]
    # a real dossier code (the API's cursors and checks take no other); two dossiers of one
    # commune, day and number are so rare that the load just keeps the first
    code = f"{commune}-{received:%y%m%d}-{serial % 9999 + 1:04d}"
    d = domain.new_dossier(
        {
            "code": code,
            "procedure_code": "XD-01",
            "procedure_name": "Cấp giấy phép xây dựng nhà ở riêng lẻ",
            "office_id": commune,
            "channel": rng.choice(("counter", "counter", "online", "post")),
            "return_method": "counter",
            "received_at": received,
            "appointment_at": appointment,
            "route": route,
            "received_by": "Bench",
            "status": "received",
            "not_accepted_reason": None,
        }
    )
    if open_:
        step = rng.randrange(len(chain))
        d.update(
            step_index=step,
            office_id=chain[step],
            state=lc.IN_PROCESS,
            current_due_at=now + timedelta(days=rng.uniform(8, 60)),
        )
        return d
    finished = received + timedelta(days=rng.uniform(1, 20))
    for step in d["route"]:
        step.update(done_at=finished, timing=lc.classify(finished, step["due_at"], 0, CALENDAR))
        step["outcome"] = domain.HANDED_ON if step is not d["route"][-1] else lc.RESOLVED
    d.update(
        state=lc.RETURNED,
        step_index=len(chain) - 1,
        finished_at=finished,
        returned_at=finished + timedelta(days=1),
        outcome=lc.RESOLVED,
        timing=lc.classify(finished, appointment, 0, CALENDAR),
    )
    return d


def load(office_count: int, dossier_count: int, seed: int = 9) -> dict:
    """Load (or find loaded) `dossier_count` dossiers over `office_count` offices."""
    db = MongoClient(stack.mongo_uri(), tz_aware=True)[stack.database("routing")]
    # `shape` changes with the dossier's document and view keys: an older load is not reused
    wanted = {"offices": office_count, "dossiers": dossier_count, "seed": seed, "shape": 6}
    marker = db[MARKER].find_one({"_id": "loaded"}) or {}
    tree = offices(office_count)
    if all(marker.get(k) == v for k, v in wanted.items()):
        return {**wanted, "seconds": 0.0, "reused": True, "tree": tree}
    # not at Mỹ An's counter: the half-year replayed there (bench/myan.py) must find its office
    # holding nothing but its own dossiers
    communes = sorted(o for o in tree if o.startswith("X") and o != myan.OFFICE)
    dossiers = JournalRepository(db, "dossiers", indexes.VIEWS, COUNTS)
    counted: dict = {}
    lock = threading.Lock()
    now = datetime.now(UTC)
    started = time.perf_counter()

    def batch(first: int) -> int:
        rng = random.Random(seed * 1_000_003 + first)
        docs = [
            _dossier(rng, rng.choice(communes), tree, first + i, now)
            for i in range(min(BATCH, dossier_count - first))
        ]
        rows: dict = {}
        dossiers.import_many(docs, rows)  # with their views, as routing keeps them
        with lock:
            add(counted, rows)
        return len(docs)

    with (
        tqdm(total=dossier_count, unit="dossier", desc="loading", smoothing=0.1) as bar,
        ThreadPoolExecutor(3) as pool,
    ):
        for done in pool.map(batch, range(0, dossier_count, BATCH)):
            bar.update(done)
    # what they count for, folded as routing's folder would have (docs/counters.md)
    Tally(db, COUNTS.name).fold_rows(counted, f"bench-load:{uuid.uuid4().hex}")
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
    dossiers = JournalRepository(db, "dossiers", indexes.VIEWS, COUNTS)
    records = RoutingRecords(db, dossiers, Tally(db, COUNTS.name))
    rng = random.Random(seed)
    by_level = {"province": [], "district": [], "commune": []}
    for office, parent in tree.items():
        level = "province" if parent is None else ("commune" if office[0] == "X" else "district")
        by_level[level].append(office)
    sample = rng.sample(list(tree), min(samples, len(tree)))
    sample += rng.sample(by_level["district"], min(samples // 10, len(by_level["district"])))
    sample += rng.sample(by_level["province"], min(samples // 20, len(by_level["province"])))
    now = datetime.now(UTC)
    start, end = now - timedelta(days=365), now
    worklist, stats_ms, sizes = [], [], []
    for office in sample:
        t = time.perf_counter()
        rows, _ = records.worklist(office, WORKLIST_PAGE)
        worklist.append((time.perf_counter() - t) * 1000)
        sizes.append(len(rows))
    for office in sample[: max(10, samples // 5)]:
        t = time.perf_counter()
        stats.figures(records.counter_rows(office, start, end, now), office, start, end, now)
        stats_ms.append((time.perf_counter() - t) * 1000)
    gauges_ms = []
    for _ in range(20):  # what a refresh of routing's gauges reads: counter rows, no scan
        t = time.perf_counter()
        dossier_gauges(SimpleNamespace(tallies={"dossiers": records.tally}), now)
        gauges_ms.append((time.perf_counter() - t) * 1000)
    return {
        "offices_sampled": len(sample),
        "store_worklist_ms": percentiles(worklist),
        "worklist_rows": percentiles(sizes),
        "store_stats_ms": percentiles(stats_ms),
        "gauges_read_ms": percentiles(gauges_ms),
        **http_queries(samples),
    }


def http_queries(requests_: int) -> dict:
    """GET worklist and stats through the gateway (token, RPC to routing, JSON) for the
    catalog's offices, one officer each; and the scorecard of the catalog's provinces."""
    catalog = load_offices().all()
    officers = [stack.Officer(office.id, "leader") for office in catalog]
    provinces = [stack.Officer(o.id, "leader") for o in catalog if o.level == "province"]
    today = datetime.now(stack.LOCAL).date()
    year_ago = str(today - timedelta(days=364))
    quarter_ago = str(today - timedelta(days=90))
    worklist, stats_ms, province_ms, scorecard_ms = [], [], [], []
    for n in range(requests_):
        officer = officers[n % len(officers)]
        t = time.perf_counter()
        assert officer.worklist().status_code == 200
        worklist.append((time.perf_counter() - t) * 1000)
    for n in range(max(10, requests_ // 5)):
        for officer, times in (
            (officers[n % len(officers)], stats_ms),
            (provinces[n % len(provinces)], province_ms),
        ):
            t = time.perf_counter()
            r = officer.stats(officer.office, year_ago, str(today))
            assert r.status_code == 200, r.text
            times.append((time.perf_counter() - t) * 1000)
        # the Decision 766 scorecard of a province and its districts over a quarter: one RPC to
        # routing (their statistics) and one to payment (their fees) behind it
        leader = provinces[n % len(provinces)]
        t = time.perf_counter()
        r = leader.scorecard(leader.office, quarter_ago, str(today))
        assert r.status_code == 200, r.text
        scorecard_ms.append((time.perf_counter() - t) * 1000)
    url = f"{stack.service_url('routing')}/metrics"
    deadline = time.monotonic() + 60  # the gauges' first background read
    while "lienthong_dossiers_overdue" not in requests.get(url, timeout=10).text:
        assert time.monotonic() < deadline, "routing's gauges never came"
        time.sleep(0.5)
    scrapes = []
    for _ in range(max(20, requests_ // 5)):
        t = time.perf_counter()
        r = requests.get(url, timeout=10)
        assert r.status_code == 200 and "lienthong_dossiers_overdue" in r.text, r.text[:200]
        scrapes.append((time.perf_counter() - t) * 1000)
    return {
        "metrics_scrape_ms": percentiles(scrapes),
        "http_worklist_ms": percentiles(worklist),
        "http_stats_ms": percentiles(stats_ms),  # a year, any office of the catalog
        "http_stats_province_year_ms": percentiles(province_ms),
        "http_scorecard_province_quarter_ms": percentiles(scorecard_ms),
    }
