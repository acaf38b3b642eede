"""The benchmark's table (Markdown, so the README can show it as printed)."""

from bench.myan import report as myan_report


def _num(v, digits=1) -> str:
    if v is None:
        return "–"
    return f"{v:,.{digits}f}"


def table(result: dict) -> str:
    c = result["ceilings"]
    lines = [
        f"lienthong bench — {result.get('finished_at', '')[:16]} UTC, scale {result.get('size')}, "
        f"{result['machine']['cores']} cores, {result['machine']['memory_gb']} GB"
        + (f" — {result['note']}" if result.get("note") else ""),
        "",
        "| ceiling (this machine, this run) | value |",
        "|---|---|",
        f"| RabbitMQ publish, persistent, confirmed, 1 KiB | "
        f"{_num(c['rabbitmq']['publish_confirmed_per_s'], 0)} msg/s |",
        f"| RabbitMQ consume with ack, 1 KiB | {_num(c['rabbitmq']['consume_per_s'], 0)} msg/s |",
        f"| database update_one by _id | {_num(c['database']['update_by_id_per_s'], 0)} ops/s |",
        f"| database find_one by _id | {_num(c['database']['find_by_id_per_s'], 0)} ops/s |",
    ]
    if "framework" in c:  # runs before it measured no framework ceiling
        lines += [
            f"| nameko HTTP, empty handler ({c['framework']['clients']} clients) | "
            f"{_num(c['framework']['http_per_s'], 0)} req/s |",
            f"| nameko HTTP + one RPC, empty handlers | "
            f"{_num(c['framework']['http_rpc_per_s'], 0)} req/s |",
        ]
    lines += [
        "",
        "| system figure | value | ratio to ceiling |",
        "|---|---|---|",
    ]
    for name, f in result.get("figures", {}).items():
        ratio = "–" if f["ratio"] is None else f"{f['ratio']:.3g} × {f['ceiling']}"
        lines.append(f"| {name} | {_num(f['value'])} {f['unit']} | {ratio} |")
    by_service = (result.get("db_ops") or {}).get("per_dossier_by_service")
    if by_service:
        lines += ["", "| service | database operations per dossier |", "|---|---|"]
        for name, n in sorted(by_service.items()):
            lines.append(f"| {name} | {_num(n)} |")
    res = result.get("resources") or {}
    if res:
        lines += ["", "| process | CPU s (system figures) | peak RSS MB |", "|---|---|---|"]
        for name, r in sorted(res.items()):
            lines.append(f"| {name} | {_num(r['cpu_s'])} | {_num(r['peak_rss_mb'])} |")
    if result.get("myan"):
        lines += ["", myan_report(result["myan"])]
    return "\n".join(lines)
