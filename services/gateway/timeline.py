"""One timeline per dossier: workflow history, SMS log and postal shipments merged in time order."""


def merge_timeline(history: list[dict], messages: list[dict], shipments=()) -> list[dict]:
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
    return sorted(entries, key=lambda e: str(e["at"]))
