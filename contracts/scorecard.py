"""The Decision 766/QĐ-TTg (2022) scorecard of an office for a period, as this project reads it
(docs/scorecard.md: our reading, to be checked against the decision's annex). Pure: no I/O.

`indicators(stats, payments, voice, files)` turns an office's statistics (routing's
`GET /api/stats` figures, services/routing/stats.py), its payment figures (the payment service's
`domain.figures`: `fees.paid`, `fees.online`), its evaluations (the feedback service's figures)
and its files (the documents service's `domain.figures`) into one indicator per group of the
decision, each with its formula, the inputs it read, its rate and its points;
`totals(indicators)` adds them up.

Rules every indicator keeps:
- points = points_max × rate, rate a ratio in [0, 1] (4 places), points 2 places;
- a ratio whose denominator is 0 (nothing resolved, nothing received, no fee paid in the period)
  is None and scores None with reason `nothing_in_period`: never a made-up 0 or 100 %;
- a group whose data this system does not hold (public information), or whose service did not
  answer, scores None with reason `no_data_yet`, and shows no value at all; satisfaction scores
  from the citizens' evaluations (None with `no_evaluation_in_period` when there were none),
  digitisation from the parts of the dossiers received (None with `nothing_in_period`).

It lives in contracts/ rather than in the gateway: it is a definition of the law's measures, as
contracts/calendar.py is of legal time, read alike by the gateway (JSON, CSV, chart), the bench
and the tests, and it is type-checked strictly with the other contracts."""

from dataclasses import dataclass
from typing import Any, Final, Literal

Reason = Literal["no_data_yet", "nothing_in_period", "no_evaluation_in_period"]
NO_DATA_YET: Final = "no_data_yet"
NOTHING_IN_PERIOD: Final = "nothing_in_period"
NO_EVALUATION_IN_PERIOD: Final = "no_evaluation_in_period"
REASON_LABELS = {
    NO_DATA_YET: "chưa có dữ liệu",
    NOTHING_IN_PERIOD: "không có hồ sơ trong kỳ",
    NO_EVALUATION_IN_PERIOD: "không có đánh giá trong kỳ",
}


@dataclass(frozen=True)
class Group:
    key: str
    name: str  # as a Vietnamese leader reads it
    points_max: int
    indicator: str  # the indicator's name
    formula: str  # in words, Vietnamese; "" while there is no data


GROUPS: tuple[Group, ...] = (
    Group(
        "public_information",
        "Công khai, minh bạch",
        18,
        "Công khai thủ tục, tình trạng hồ sơ",
        "",
    ),
    Group(
        "progress",
        "Tiến độ giải quyết",
        20,
        "Hồ sơ giải quyết trước hạn và đúng hạn",
        "(trước hạn + đúng hạn) ÷ hồ sơ đã giải quyết trong kỳ",
    ),
    Group(
        "online_services",
        "Dịch vụ công trực tuyến",
        12,
        "Hồ sơ nộp trực tuyến",
        "hồ sơ tiếp nhận trực tuyến ÷ hồ sơ tiếp nhận trong kỳ",
    ),
    Group(
        "online_payment",
        "Thanh toán trực tuyến",
        10,
        "Phí, lệ phí nộp trực tuyến",
        "hồ sơ nộp phí trực tuyến ÷ hồ sơ đã nộp phí trong kỳ",
    ),
    Group(
        "satisfaction",
        "Mức độ hài lòng",
        18,
        "Đánh giá hài lòng của người dân",
        "đánh giá hài lòng (rất hài lòng, hài lòng) ÷ đánh giá trong kỳ",
    ),
    Group(
        "digitisation",
        "Số hóa hồ sơ, tái sử dụng",
        22,
        "Hồ sơ, kết quả được số hóa và tái sử dụng",
        "thành phần hồ sơ đã số hóa (kể cả tái sử dụng) ÷ thành phần hồ sơ tiếp nhận trong kỳ",
    ),
)
BY_KEY = {g.key: g for g in GROUPS}
POINTS_TOTAL = sum(g.points_max for g in GROUPS)  # 100
assert POINTS_TOTAL == 100


def ratio(part: int, whole: int) -> float | None:
    """part ÷ whole to 4 places; None when whole is 0 (nothing to measure)."""
    return round(part / whole, 4) if whole else None


def _indicator(
    group: Group, inputs: dict[str, Any], rate: float | None, reason: Reason | None = None
) -> dict[str, Any]:
    if rate is None and reason is None:
        reason = NOTHING_IN_PERIOD
    return {
        "group": group.key,
        "group_name": group.name,
        "name": group.indicator,
        "formula": group.formula,
        "inputs": inputs,
        "rate": rate,
        "points_max": group.points_max,
        "points": None if rate is None else round(group.points_max * rate, 2),
        "reason": None if rate is not None else reason,
    }


def _no_data(group: Group) -> dict[str, Any]:
    return _indicator(group, {}, None, NO_DATA_YET)


def progress(stats: dict[str, Any]) -> dict[str, Any]:
    """Dossiers resolved early or on time (against their legal appointment, as the counters
    classify them) ÷ dossiers resolved in the period. The office's own steps' on-time rate
    (each step against its own share of the legal time) is shown as an input, not scored."""
    resolved, steps = stats["resolved"], stats["steps"]
    good = resolved["early"] + resolved["on_time"]
    inputs = {
        "resolved_early": resolved["early"],
        "resolved_on_time": resolved["on_time"],
        "resolved_late": resolved["late"],
        "resolved_total": resolved["total"],
        "steps_total": steps["handed_on"]["total"] + steps["decided"]["total"],
        "steps_on_time_rate": steps["on_time_rate"],
    }
    return _indicator(BY_KEY["progress"], inputs, ratio(good, resolved["total"]))


def online_services(stats: dict[str, Any]) -> dict[str, Any]:
    """Dossiers received online ÷ dossiers received in the period (counter, online, post; those
    carried over from before the period are not received in it)."""
    received = stats["received"]
    counter, online, post = received["counter"], received["online"], received["post"]
    inputs = {
        "received_counter": counter,
        "received_online": online,
        "received_post": post,
        "received_in_period": counter + online + post,
    }
    return _indicator(BY_KEY["online_services"], inputs, ratio(online, counter + online + post))


def online_payment(payments: dict[str, Any] | None) -> dict[str, Any]:
    """Fees paid online ÷ fees paid in the period (the payable dossiers); financial obligations
    are not fees. None payments (the payment figures were not read) is no data."""
    group = BY_KEY["online_payment"]
    if payments is None:
        return _no_data(group)
    fees = payments["fees"]
    inputs = {"fees_paid": fees["paid"], "fees_paid_online": fees["online"]}
    return _indicator(group, inputs, ratio(fees["online"], fees["paid"]))


def satisfaction(voice: dict[str, Any] | None) -> dict[str, Any]:
    """Evaluations at a satisfied level ÷ evaluations the office's counter took in the period
    (the feedback service's figures; the levels in contracts/data/satisfaction.yaml). None
    figures (not read) is no data."""
    group = BY_KEY["satisfaction"]
    if voice is None:
        return _no_data(group)
    given = voice["evaluations"]
    inputs = {"evaluations": given["total"], "satisfied": given["satisfied"]}
    rate = ratio(given["satisfied"], given["total"])
    return _indicator(group, inputs, rate, NO_EVALUATION_IN_PERIOD)


def digitisation(files: dict[str, Any] | None) -> dict[str, Any]:
    """Parts digitised (scanned or uploaded, or re-used from an earlier dossier's part or
    result) ÷ parts the counter's dossiers of the period were received with (the documents
    service's figures). Re-used parts and results issued as files are shown as inputs. None
    figures (not read) is no data."""
    group = BY_KEY["digitisation"]
    if files is None:
        return _no_data(group)
    inputs = {
        "parts_received": files["parts_received"],
        "parts_digitised": files["parts_digitised"],
        "parts_reused": files["parts_reused"],
        "results_electronic": files["results_electronic"],
    }
    return _indicator(group, inputs, ratio(files["parts_digitised"], files["parts_received"]))


def indicators(
    stats_figures: dict[str, Any],
    payment_figures: dict[str, Any] | None,
    voice_figures: dict[str, Any] | None = None,
    file_figures: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """One indicator per group, in the decision's order."""
    measured = {
        "progress": progress(stats_figures),
        "online_services": online_services(stats_figures),
        "online_payment": online_payment(payment_figures),
        "satisfaction": satisfaction(voice_figures),
        "digitisation": digitisation(file_figures),
    }
    return [measured.get(g.key) or _no_data(g) for g in GROUPS]


def totals(found: list[dict[str, Any]]) -> dict[str, Any]:
    """The points scored out of the maximum of the indicators that scored; the groups that did
    not score, with why; and the decision's whole 100 for reference."""
    scored = [i for i in found if i["points"] is not None]
    return {
        "points": round(sum(i["points"] for i in scored), 2),
        "points_max": sum(i["points_max"] for i in scored),
        "points_possible": POINTS_TOTAL,
        "unscored": [
            {"group": i["group"], "reason": i["reason"]} for i in found if i["points"] is None
        ],
    }


def scorecard(
    office: dict[str, Any],
    stats_figures: dict[str, Any],
    payment_figures: dict[str, Any] | None,
    voice_figures: dict[str, Any] | None = None,
    file_figures: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An office's row: {office_id, name, level, indicators, totals}."""
    found = indicators(stats_figures, payment_figures, voice_figures, file_figures)
    return {**office, "indicators": found, "totals": totals(found)}
