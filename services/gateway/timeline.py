"""One timeline per dossier: workflow history, SMS log, postal shipments and payments merged in
time order."""


def _payment_entries(p: dict) -> list[dict]:
    common = {"kind": "payment", "payment_id": p["payment_id"], "amount_vnd": p["amount_vnd"]}
    entries = []
    if p["paid_at"]:
        entries.append(
            {**common, "at": p["paid_at"], "type": f"{p['kind']}_paid", "method": p["method"],
             "receipt_number": p["receipt_number"]}
        )  # fmt: skip
    for r in p["refunds"]:
        entries.append({**common, "at": r["at"], "type": "refunded", "method": r["method"]})
    return entries


def merge_timeline(
    history: list[dict], messages: list[dict], shipments=(), payments=()
) -> list[dict]:
    entries = [{"kind": "workflow", **h} for h in history]
    for m in messages:
        for h in m.get("history", []):
            entries.append(
                {
                    "kind": "sms",
                    "at": h["at"],
                    "type": f"sms_{h['status']}",
                    "status": h["status"],
                    "template_id": m["template_id"],
                    "to": m["to"],
                    "detail": h.get("detail") or None,
                }
            )
    for s in shipments:
        for e in s.get("events", []):
            entries.append(
                {
                    "kind": "postal",
                    "at": e["at"],
                    "type": f"post_{e['status']}",
                    "status": e["status"],
                    "tracking_number": s["tracking_number"],
                    "attempt": e.get("attempt"),
                    "by": e.get("by"),
                    "detail": e.get("detail") or None,
                }
            )
    for p in payments:
        entries.extend(_payment_entries(p))
    return sorted(entries, key=lambda e: str(e["at"]))
