"""The Decision 766 scorecard over HTTP (GET /api/scorecard, .csv, .svg) against dossiers this
test makes in Hà Giang (T02 → H030 → X00913, X00967: no other e2e test uses them) on a working
day far ahead at the stack's clock, so that the period holds only them; the numbers are the ones a
leader would count by hand from what the test did."""

import csv
import io
import random
from datetime import datetime, time, timedelta

import pytest

from contracts.calendar import WorkingCalendar
from tests.e2e.conftest import eventually
from tests.e2e.test_payments import pay_online, wait_payment

pytestmark = pytest.mark.e2e

PROVINCE, DISTRICT, COMMUNE, OTHER_COMMUNE = "T02", "H030", "X00913", "X00967"


def _working_day_far_ahead(calendar: WorkingCalendar) -> datetime:
    day = datetime.now(calendar.tz).date() + timedelta(days=random.randint(400, 4000))
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, time(8, 0), tzinfo=calendar.tz)


def scored(card: dict) -> dict:
    """{office: {group: (rate, points, reason)}} and each office's totals."""
    return {
        o["office_id"]: {
            **{i["group"]: (i["rate"], i["points"], i["reason"]) for i in o["indicators"]},
            "totals": (o["totals"]["points"], o["totals"]["points_max"]),
        }
        for o in card["offices"]
    }


def card_when(leader, office, start, end, expected: dict, timeout=30.0) -> dict:
    """The scorecard once its rows show `expected` (the counters follow by a second or so)."""
    last = {}

    def check():
        r = leader.get("/api/scorecard", office=office, **{"from": start, "to": end})
        assert r.status_code == 200, r.text
        last["card"] = r.json()
        found = scored(last["card"])
        return all(found.get(o) == want for o, want in expected.items()) and last["card"]

    try:
        return eventually(check, timeout, "the scorecard")
    except AssertionError:
        got = scored(last["card"])
        raise AssertionError(
            f"expected {expected}, got { {o: got.get(o) for o in expected} }"
        ) from None


NO_DATA = (None, None, "no_data_yet")
NOTHING = (None, None, "nothing_in_period")
NO_EVALUATION = (None, None, "no_evaluation_in_period")  # nobody evaluated its dossiers


def fees_of(leader, office: str, day: str) -> dict:
    r = leader.get("/api/scorecard", office=office, **{"from": day, "to": day})
    assert r.status_code == 200, r.text
    row = next(o for o in r.json()["offices"] if o["office_id"] == office)
    return next(i for i in row["indicators"] if i["group"] == "online_payment")


def test_the_scorecard_counts_what_the_offices_did(officers, stack_clock):
    calendar = WorkingCalendar()
    # the platform says when a fee was paid online, on its own (real) clock: that fee counts on
    # today's real date, whatever the stack's clock says; the rest of the test is far ahead
    real_today = datetime.now(calendar.tz).date().isoformat()
    fees_before = fees_of(officers(DISTRICT, "leader"), DISTRICT, real_today)["inputs"]
    day = _working_day_far_ahead(calendar)
    stack_clock.set(day - datetime.now(calendar.tz))
    receiver, handler = officers(DISTRICT, "receiver"), officers(DISTRICT, "handler")
    commune = officers(COMMUNE, "receiver")

    # at the district's counter: CT-03 (50.000 ₫, decided where received, 2 working days)
    at_counter = receiver.receive("CT-03", fee_method="transfer")["code"]
    phone = "0912000766"
    online = receiver.receive("CT-03", phone=phone, channel="online", fee_method="online")["code"]
    late = receiver.receive("CT-03", fee_method="cash")["code"]
    pay_online(online, phone)
    assert wait_payment(receiver, online, "paid")["method"] == "online"
    handler.wait_state(online, "awaiting_acceptance")  # routing has applied the payment too
    # at the commune's counter: XD-01 (75.000 ₫ paid by transfer), decided by the district
    liaison = commune.receive("XD-01", fee_method="transfer")["code"]
    for code in (at_counter, online, late, liaison):
        handler.wait_in_worklist(code)
        handler.act(code, "accept")
    for code in (at_counter, online, liaison):
        handler.act(code, "resolve")  # the same day: early
    for code in (at_counter, late, liaison):
        wait_payment(receiver if code != liaison else commune, code, "paid")
    paid_online = fees_of(officers(DISTRICT, "leader"), DISTRICT, real_today)
    assert paid_online["inputs"] == {
        "fees_paid": fees_before.get("fees_paid", 0) + 1,
        "fees_paid_online": fees_before.get("fees_paid_online", 0) + 1,
    }
    inputs = paid_online["inputs"]
    rate = round(inputs["fees_paid_online"] / inputs["fees_paid"], 4)
    assert (paid_online["rate"], paid_online["points"]) == (rate, round(10 * rate, 2))

    later = day + timedelta(days=30)  # the last one resolved a month on: late
    stack_clock.set(later - datetime.now(calendar.tz))
    handler.act(late, "resolve")
    start, end = day.date().isoformat(), later.date().isoformat()

    province_leader, district_leader = officers(PROVINCE, "leader"), officers(DISTRICT, "leader")
    district = {
        "public_information": NO_DATA,
        "progress": (0.75, 15.0, None),  # 3 early of 4 resolved (the liaison one decided here)
        "online_services": (0.3333, 4.0, None),  # 1 online of 3 received at its counter
        # the fees paid on the day: by transfer and in cash (the online one: on the real day)
        "online_payment": (0.0, 0.0, None),
        "satisfaction": NO_EVALUATION,
        "digitisation": (0.0, 0.0, None),  # its dossiers' parts came on paper, none scanned
        "totals": (19.0, 64),
    }
    nothing = {
        "public_information": NO_DATA,
        "progress": NOTHING,
        "online_services": NOTHING,
        "online_payment": NOTHING,
        "satisfaction": NO_EVALUATION,
        "digitisation": NOTHING,
        "totals": (0, 0),
    }
    card = card_when(province_leader, PROVINCE, start, end, {PROVINCE: nothing, DISTRICT: district})
    assert [o["office_id"] for o in card["offices"]] == [PROVINCE, DISTRICT]
    h030 = card["offices"][1]
    progress = next(i for i in h030["indicators"] if i["group"] == "progress")
    assert progress["inputs"] == {
        "resolved_early": 3,
        "resolved_on_time": 0,
        "resolved_late": 1,
        "resolved_total": 4,
        "steps_total": 4,
        "steps_on_time_rate": 0.75,
    }
    assert h030["totals"]["unscored"] == [
        {"group": "public_information", "reason": "no_data_yet"},
        {"group": "satisfaction", "reason": "no_evaluation_in_period"},
    ]

    # the district's leader sees the district and its communes
    commune_row = {
        **nothing,
        "progress": (1.0, 20.0, None),  # its counter answers for the liaison dossier it took in
        "online_services": (0.0, 0.0, None),
        "online_payment": (0.0, 0.0, None),
        "digitisation": (0.0, 0.0, None),
        "totals": (20.0, 64),
    }
    below = card_when(
        district_leader,
        DISTRICT,
        start,
        end,
        {DISTRICT: district, COMMUNE: commune_row, OTHER_COMMUNE: nothing},
    )
    assert [o["office_id"] for o in below["offices"]][:1] == [DISTRICT]
    assert {COMMUNE, OTHER_COMMUNE} <= {o["office_id"] for o in below["offices"]}

    # the CSV: the same numbers, the offices as rows
    r = district_leader.get("/api/scorecard.csv", office=DISTRICT, **{"from": start, "to": end})
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    by_office = {row["Mã cơ quan"]: row for row in rows}
    assert list(by_office)[0] == DISTRICT and COMMUNE in by_office
    h = by_office[DISTRICT]
    assert (h["Tên cơ quan"], h["Cấp"]) == ("Huyện Vị Xuyên", "Cấp huyện")
    assert h["Tiến độ giải quyết — tỷ lệ"] == "0.75"
    assert h["Tiến độ giải quyết — điểm (tối đa 20)"] == "15"
    assert h["Thanh toán trực tuyến — tỷ lệ"] == "0"
    assert h["Thanh toán trực tuyến — điểm (tối đa 10)"] == "0"
    assert h["Mức độ hài lòng — tỷ lệ"] == "không có đánh giá trong kỳ"
    assert (h["Tổng điểm"], h["Tối đa của các chỉ số có điểm"]) == ("19", "64")
    assert by_office[OTHER_COMMUNE]["Tiến độ giải quyết — điểm (tối đa 20)"] == (
        "không có hồ sơ trong kỳ"
    )

    # the chart
    r = province_leader.get("/api/scorecard.svg", office=PROVINCE, **{"from": start, "to": end})
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/svg+xml"
    assert "Huyện Vị Xuyên" in r.text and "<script" not in r.text

    # who may read what, and bad periods
    query = {"from": start, "to": end}
    assert district_leader.get("/api/scorecard", office=PROVINCE, **query).status_code == 403
    assert handler.get("/api/scorecard", office=PROVINCE, **query).status_code == 403
    assert (
        officers("X28720", "leader").get("/api/scorecard.csv", office=DISTRICT, **query).status_code
        == 403
    )
    assert (
        district_leader.get(
            "/api/scorecard", office=DISTRICT, **{"from": end, "to": start}
        ).status_code
        == 422
    )
    assert (
        district_leader.get(
            "/api/scorecard", office=DISTRICT, **{"from": "2026-13-01", "to": end}
        ).status_code
        == 422
    )
    assert (
        district_leader.get(
            "/api/scorecard", office=DISTRICT, **{"from": "2020-01-01", "to": "2021-12-31"}
        ).status_code
        == 422
    )
