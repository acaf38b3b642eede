"""python -m bench [--scale small|full]: ceilings, system figures, scale queries, Mỹ An's
half-year replayed; prints a table and writes bench/results/<UTC time>.json (and latest.json).
Exits 1 when the replay's /api/stats figures are not the office's report (bench/myan.py)."""

import argparse
import json
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

from bench import ceilings, dbops, myan, profile, resources, scale, stack, storage, system
from bench.measure import figure
from bench.report import table

SCALES = {
    "small": {
        "mq_messages": 2000,
        "db_updates": 1000,
        "intake_clients": 8,
        "intake_seconds": 10,
        "framework_seconds": 5,
        "latency_rate": 100,
        "latency_seconds": 5,
        "light_rate": 20,
        "light_seconds": 6,
        "journeys": 6,
        "sms": 60,
        "offices": 200,
        "dossiers": 20_000,
        "query_samples": 100,
        "myan_clients": 8,
    },
    "full": {
        "mq_messages": 10_000,
        "db_updates": 5000,
        "intake_clients": 16,
        "intake_seconds": 20,
        "framework_seconds": 10,
        "latency_rate": 100,
        "latency_seconds": 10,
        "light_rate": 20,
        "light_seconds": 20,
        "journeys": 20,
        "sms": 200,
        "offices": 10_000,
        "dossiers": 1_000_000,
        "query_samples": 300,
        "myan_clients": 8,
    },
}


def machine() -> dict:
    return {
        "host": platform.node(),
        "cpu": platform.processor() or platform.machine(),
        "cores": psutil.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "load_average_at_start": os.getloadavg(),
    }


def run(size: dict, sections: set[str], profile_dir: Path | None) -> dict:
    out: dict = {"machine": machine(), "started_at": datetime.now(UTC).isoformat()}
    say(
        "ceilings: RabbitMQ publish+confirm / consume (1 KiB), database update by _id, "
        "nameko HTTP and HTTP+RPC with nothing behind them"
    )
    out["ceilings"] = {
        "rabbitmq": ceilings.rabbitmq(size["mq_messages"]),
        "database": ceilings.database(size["db_updates"]),
        "framework": ceilings.framework(size["intake_clients"], size["framework_seconds"]),
    }
    update = out["ceilings"]["database"]["update_by_id_per_s"]
    http_rpc = out["ceilings"]["framework"]["http_rpc_per_s"]
    publish = out["ceilings"]["rabbitmq"]["publish_confirmed_per_s"]
    figures: dict = {}
    with stack.OfficeHours():
        before = resources.snapshot()
        if "intake" in sections:
            say(f"intake: {size['intake_clients']} clients for {size['intake_seconds']} s")
            counting = dbops.Counting()
            counting.start()
            spies = None
            if profile_dir:
                pids = {k: v for k, v in stack.pids().items() if k in stack.SERVICES}
                spies = profile.start(pids, size["intake_seconds"], profile_dir)
            out["intake"] = system.intake(size["intake_clients"], size["intake_seconds"])
            if spies:
                out["profile_intake"] = profile.finish(spies)
            figures["intake_dossiers_per_s"] = figure(
                out["intake"]["dossiers_per_s"], "dossiers/s", "http_rpc_per_s", http_rpc
            )
            say("intake: waiting for its dossiers to pass routing and notification")
            system.settle()
            out["db_ops"] = counting.stop(out["intake"]["accepted"])
            # not a rate: its bound is the ceiling divided by it (dossiers/s at most)
            figures["db_ops_per_dossier"] = figure(
                out["db_ops"]["total_per_dossier"], "operations", "db_update_per_s", None
            )
        if "transfer" in sections:
            say(f"transfer latency at {size['latency_rate']}/s for {size['latency_seconds']} s")
            out["transfer"] = system.transfer_latency(size["latency_rate"], size["latency_seconds"])
            for p in ("p50", "p95", "p99"):
                figures[f"transfer_{p}_ms"] = figure(
                    out["transfer"]["latency_ms"].get(p), "ms", "db_update_ms", update, True
                )
            # the same at a rate the system keeps up with, once the backlog above has passed:
            # what a dossier waits when nothing queues
            system.settle()
            say(f"transfer latency at {size['light_rate']}/s for {size['light_seconds']} s")
            out["transfer_light"] = system.transfer_latency(
                size["light_rate"], size["light_seconds"]
            )
            for p in ("p50", "p99"):
                figures[f"transfer_light_{p}_ms"] = figure(
                    out["transfer_light"]["latency_ms"].get(p), "ms", "db_update_ms", update, True
                )
        if "journeys" in sections:
            say(f"journeys: {size['journeys']} with simulated officers")
            out["journeys"] = system.journeys(size["journeys"])
            figures["journeys_per_s"] = figure(
                out["journeys"]["journeys_per_s"], "journeys/s", "db_update_per_s", update
            )
            codes = out["journeys"].pop("codes")
            say("portal: how long the national portal waited for each journey's last change")
            out["portal"] = system.portal_lag(codes)
            for p in ("p50", "p99"):
                figures[f"portal_sync_lag_{p}_ms"] = figure(
                    out["portal"]["lag_ms"].get(p), "ms", "db_update_ms", update, True
                )
            say("storage: bytes per finished dossier, before and after compaction")
            out["storage"] = storage.per_finished_dossier(codes)
            for when in ("before", "after"):
                figures[f"bytes_per_finished_dossier_{when}"] = figure(
                    out["storage"][f"total_{when}"], "bytes", "db_update_per_s", None
                )
        if "sms" in sections:
            say(f"sms: {size['sms']} dossiers, their SMS at fakesmsc")
            out["sms"] = system.sms(size["sms"])
            figures["sms_per_s"] = figure(
                out["sms"]["sms_per_s"], "SMS/s", "mq_publish_per_s", publish
            )
        out["resources"] = resources.usage(before, resources.snapshot())
        if "intake" in sections:  # last: it restarts services, whose CPU counters start again
            clients, seconds = size["intake_clients"], size["intake_seconds"]
            say(f"intake alone: every service but the gateway and intake stopped, {seconds} s")
            out["intake_alone"] = system.intake_alone(clients, seconds)
            figures["intake_alone_dossiers_per_s"] = figure(
                out["intake_alone"]["dossiers_per_s"], "dossiers/s", "http_rpc_per_s", http_rpc
            )
            say(f"intake alone: the chain takes up its {out['intake_alone']['accepted']} dossiers")
    if "scale" in sections:
        say(f"scale: {size['offices']} offices, {size['dossiers']} dossiers")
        loaded = scale.load(size["offices"], size["dossiers"])
        tree = loaded.pop("tree")
        out["scale_load"] = loaded
        out["scale"] = scale.queries(tree, size["query_samples"])
        names = ("store_worklist_ms", "http_worklist_ms", "store_stats_ms", "http_stats_ms")
        more = ("http_stats_province_year_ms", "http_scorecard_province_quarter_ms")
        for name in (*names, *more, "metrics_scrape_ms", "gauges_read_ms"):
            for p in ("p50", "p99"):
                figures[f"{name[:-3]}_{p}_ms"] = figure(
                    out["scale"][name].get(p), "ms", "db_update_ms", update, True
                )
        out["peak_rss_mb_after_scale"] = {
            name: round(v["peak_rss_mb"], 1) for name, v in resources.snapshot().items()
        }
    if "myan" in sections:
        # last: it moves the stack's clock through 2012 (and puts it back), and leaves the SMS of
        # 6,047 dossiers for notification to send; the same at either scale (it is one office's
        # real half-year)
        say("myan: Mỹ An's first half of 2012 (seed 003) replayed at X30037, then /api/stats")
        out["myan"] = myan.run(size["myan_clients"], say=lambda text: say(text))
        if "seconds" in out["myan"]:
            figures["myan_replay_s"] = figure(out["myan"]["seconds"], "s", "–", None)
            figures["myan_dossiers_per_s"] = figure(
                out["myan"]["dossiers_per_s"], "dossiers/s", "http_rpc_per_s", http_rpc
            )
    out["figures"] = figures
    out["finished_at"] = datetime.now(UTC).isoformat()
    return out


def say(text: str) -> None:
    print(f"\033[1m[bench]\033[0m {text}", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument(
        "--only",
        default="intake,transfer,journeys,sms,scale,myan",
        help="comma-separated sections (ceilings always run)",
    )
    parser.add_argument("--profile", action="store_true", help="py-spy the services in intake")
    parser.add_argument("--out", default=str(stack.ROOT / "bench" / "results"))
    parser.add_argument("--note", default="", help="written into the results (e.g. 'shared')")
    args = parser.parse_args(argv)
    size = SCALES[args.scale]
    profile_dir = stack.ROOT / ".stack" / "bench-profiles" if args.profile else None
    started = time.perf_counter()
    result = run(size, set(args.only.split(",")), profile_dir)
    result.update(
        size=args.scale,
        note=args.note,
        sizes=size,
        seconds=round(time.perf_counter() - started, 1),
    )
    print(table(result))
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(result, indent=1, default=str)
    (folder / f"{stamp}-{args.scale}.json").write_text(text, encoding="utf-8")
    (folder / f"latest-{args.scale}.json").write_text(text, encoding="utf-8")
    say(f"wrote {folder / f'{stamp}-{args.scale}.json'}")
    if "myan" in result and not result["myan"]["ok"]:
        say("FAILED: the Mỹ An replay's /api/stats figures are not the office's report")
        return 1
    return 0
