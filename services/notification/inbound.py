"""Citizens' SMS to the office (MO messages through Kannel's smsbox): which answer a reply gets.
A digit answering an open evaluation invitation evaluates that dossier; a second evaluation is
refused with thanks; anything else is answered politely, never treated as an error. No I/O."""

from datetime import timedelta
from typing import Any

from contracts.feedback import load_satisfaction, reply_level
from contracts.offices import OfficeCatalog
from services.notification.domain import levels_text, office_short_name
from services.notification.templates import RenderedSms, render


def invitation_open() -> timedelta:
    """How long an invitation can be answered by a reply (satisfaction.yaml invitation_days)."""
    return timedelta(days=load_satisfaction().invitation_days)


def level_of(text: str) -> int | None:
    return reply_level(text, load_satisfaction())


def reply(
    invitation: dict[str, Any] | None,
    level: int | None,
    outcome: str | None,
    public_url: str,
    offices: OfficeCatalog,
) -> RenderedSms:
    """The SMS that answers a citizen's message. `outcome`: what the feedback service said of
    the evaluation (`recorded`, `already_evaluated`, …), None when none was asked for."""
    if invitation is None:
        return render("reply_unmatched", {"track_url": f"{public_url}/track"})
    context = {
        "office_name": office_short_name(offices, invitation["office_id"]),
        "code": invitation["dossier_code"],
        "levels": levels_text(),
    }
    if level is None:
        return render("reply_not_understood", context)
    if outcome == "recorded":
        chosen = load_satisfaction().level(level)
        return render(
            "evaluation_thanks", {**context, "level_label": chosen.label if chosen else ""}
        )
    return render("evaluation_refused", context)
