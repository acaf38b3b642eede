"""One timeline per dossier: workflow history and SMS log merged in time order."""


def merge_timeline(history: list[dict], messages: list[dict]) -> list[dict]:
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
    return sorted(entries, key=lambda e: str(e["at"]))
