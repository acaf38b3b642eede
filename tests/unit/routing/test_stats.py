"""An office's statistics for a period (services/routing/stats.py): its counter's figures, its own
steps judged against their own dues, the dossiers it answers for (decided there, or received at
its counter) judged against the legal appointment, and its open workload. Hand-computed tables;
the worked example of the module's docstring is walked through the real workflow."""

from datetime import date, timedelta

import pytest

from contracts import lifecycle as lc
from contracts.calendar import period
from services.routing.domain import HANDED_ON
from services.routing.stats import finishing_office, office_stats
from tests.unit.routing.dossiers import (
    CAL,
    HANDLER_X,
    RECEIVER_X,
    VN,
    act,
    at,
    receive,
    three_level_walk,
)

NOV = period(date(2026, 11, 1), date(2026, 11, 30), VN)  # [1 Nov 00:00, 1 Dec 00:00)
START, END = NOV
AFTER = at(12, 10)  # a `now` after the period: as_of is its end
ROUTE = ("X28720", "H824", "T82")  # commune counter, district, province (2018)


def zeros() -> dict:
    return {"early": 0, "on_time": 0, "late": 0, "total": 0}


def counts(**kw) -> dict:
    out = zeros() | kw
    out["total"] = kw.get("total", sum(kw.get(k, 0) for k in ("early", "on_time", "late")))
    return out


def step(index, office_id, arrived_at=None, done_at=None, timing=None, outcome=None, due=None):
    return {
        "index": index,
        "office_id": office_id,
        "due_at": due or at(11, 20, 17),
        "arrived_at": arrived_at,
        "done_at": done_at,
        "timing": timing,
        "outcome": outcome,
    }


def dossier(code, **fields) -> dict:
    """A stored dossier (the fields the statistics read): received at X28720 on 2 Nov, in process
    at the commune, due 20 Nov, unless told otherwise."""
    d = {
        "_id": code,
        "state": lc.IN_PROCESS,
        "channel": "counter",
        "receiving_office_id": "X28720",
        "office_id": "X28720",
        "received_at": at(11, 2),
        "current_due_at": at(11, 20, 17),
        "finished_at": None,
        "returned_at": None,
        "paused_at": None,
        "outcome": None,
        "timing": None,
        "route": [step(0, "X28720", arrived_at=at(11, 2))],
    }
    return d | fields


def stats(dossiers, office_id, now=AFTER, start=START, end=END) -> dict:
    return office_stats(dossiers, office_id, start, end, now)


# ---- the worked example ----


def test_the_worked_example_each_office_judged_by_its_own_steps():
    """Commune X28720 and district H824 hand on early, province T82 resolves a day late, the
    result is handed over at X28720 (tests/unit/routing/dossiers.py three_level_walk)."""
    d = three_level_walk()
    start, end = period(date(2026, 11, 1), date(2026, 12, 31), VN)
    by_office = {o: stats([d], o, at(12, 31, 12), start, end) for o in ROUTE}
    x, h, t = (by_office[o] for o in ROUTE)

    assert x["steps"] == {
        "handed_on": counts(early=1),
        "decided": zeros(),
        "on_time_rate": 1.0,
    }
    assert x["resolved"] == counts(late=1)  # its counter returned it
    assert x["on_time_rate"] == 0.0
    assert x["received"] == {"counter": 1, "online": 0, "post": 0, "carried_over": 0, "total": 1}
    assert (x["returned"], x["transferred_in"]) == (1, 0)

    assert h["steps"] == {"handed_on": counts(early=1), "decided": zeros(), "on_time_rate": 1.0}
    assert h["resolved"] == zeros()  # neither decided nor returned it
    assert h["on_time_rate"] is None
    assert h["received"]["total"] == 0 and h["returned"] == 0
    assert h["transferred_in"] == 1

    assert t["steps"] == {"handed_on": zeros(), "decided": counts(late=1), "on_time_rate": 0.0}
    assert t["resolved"] == counts(late=1)  # it decided it
    assert t["on_time_rate"] == 0.0
    assert t["received"]["total"] == 0 and t["returned"] == 0
    assert t["transferred_in"] == 1

    for s in by_office.values():
        assert (s["refused"], s["stopped"], s["withdrawn"], s["not_accepted"]) == (0, 0, 0, 0)
        assert s["pending"] == {"within_deadline": 0, "past_deadline": 0}
        assert s["suspended_for_supplement"] == 0
    assert finishing_office(d) == "T82"


def test_the_worked_example_split_by_month():
    d = three_level_walk()
    nov = {o: stats([d], o) for o in ROUTE}
    dec_start, dec_end = period(date(2026, 12, 1), date(2026, 12, 31), VN)
    dec = {o: stats([d], o, at(12, 31, 12), dec_start, dec_end) for o in ROUTE}
    # November: both hand-overs, nothing decided yet
    assert nov["X28720"]["steps"]["handed_on"] == counts(early=1)
    assert nov["H824"]["steps"]["handed_on"] == counts(early=1)
    assert nov["T82"]["steps"]["decided"] == zeros()
    assert nov["X28720"]["resolved"] == nov["T82"]["resolved"] == zeros()
    assert nov["X28720"]["received"]["counter"] == 1
    # December: decided and returned; the dossier was carried over at the counter
    assert dec["T82"]["steps"]["decided"] == counts(late=1)
    assert dec["X28720"]["steps"]["handed_on"] == zeros()
    assert dec["X28720"]["received"] == {
        "counter": 0,
        "online": 0,
        "post": 0,
        "carried_over": 1,
        "total": 1,
    }
    assert dec["X28720"]["returned"] == 1 and dec["T82"]["returned"] == 0
    assert dec["X28720"]["resolved"] == dec["T82"]["resolved"] == counts(late=1)
    assert dec["H824"]["resolved"] == zeros()


# ---- at its counter: received, carried over, not accepted, returned ----

COUNTER_CASES = [
    # (dossier, received figures at X28720 as {channel: n} / carried_over, not_accepted)
    (dossier("C1", channel="counter"), {"counter": 1}, 0),
    (dossier("C2", channel="online"), {"online": 1}, 0),
    (dossier("C3", channel="post"), {"post": 1}, 0),
    (dossier("C4", received_at=START), {"counter": 1}, 0),  # at the start: in
    (dossier("C5", received_at=END), {}, 0),  # at the end: the next period's
    (dossier("C6", received_at=at(10, 20)), {"carried_over": 1}, 0),  # open at the start
    (  # finished at the start exactly: still carried over
        dossier("C7", received_at=at(10, 20), finished_at=START, outcome="resolved"),
        {"carried_over": 1},
        0,
    ),
    (  # finished before the start: not carried over
        dossier("C8", received_at=at(10, 20), finished_at=at(10, 30), outcome="resolved"),
        {},
        0,
    ),
    (dossier("C9", state=lc.NOT_ACCEPTED), {}, 1),  # form 03: not received
    (dossier("C10", state=lc.NOT_ACCEPTED, received_at=at(10, 30)), {}, 0),
    (dossier("C11", state=lc.NOT_ACCEPTED, received_at=END), {}, 0),
]


@pytest.mark.parametrize("d, received, not_accepted", COUNTER_CASES)
def test_received_and_not_accepted_count_at_the_counter_only(d, received, not_accepted):
    d = d | {"route": [step(0, "X28720", at(11, 2)), step(1, "H824"), step(2, "T82")]}
    x = stats([d], "X28720")
    expected = dict.fromkeys(("counter", "online", "post", "carried_over"), 0) | received
    expected["total"] = sum(expected.values())
    assert x["received"] == expected
    assert x["not_accepted"] == not_accepted
    for office in ("H824", "T82"):  # on its route, not its counter
        other = stats([d], office)
        assert other["received"]["total"] == 0 and other["not_accepted"] == 0


def test_received_totals_all_four():
    ds = [d for d, _, _ in COUNTER_CASES]
    assert stats(ds, "X28720")["received"] == {
        "counter": 2,  # C1, C4
        "online": 1,
        "post": 1,
        "carried_over": 2,  # C6, C7
        "total": 6,
    }
    assert stats(ds, "X28720")["not_accepted"] == 1


@pytest.mark.parametrize(
    "returned_at, counter, other",
    [(at(11, 25), 1, 0), (START, 1, 0), (END, 0, 0), (at(10, 31), 0, 0), (None, 0, 0)],
)
def test_returned_counts_at_the_counter_only(returned_at, counter, other):
    d = dossier(
        "R1",
        state=lc.RETURNED,
        finished_at=at(10, 28),
        outcome="resolved",
        timing="early",
        returned_at=returned_at,
        route=[step(0, "X28720", at(10, 20), at(10, 21), "early", HANDED_ON), step(1, "H824")],
    )
    assert stats([d], "X28720")["returned"] == counter
    assert stats([d], "H824")["returned"] == other


# ---- its own steps ----


@pytest.mark.parametrize(
    "arrived_at, expected",
    [(at(11, 10), 1), (START, 1), (END, 0), (at(10, 31, 23), 0), (None, 0)],
)
def test_transferred_in_counts_arrivals_at_steps_after_the_counters(arrived_at, expected):
    d = dossier(
        "T1",
        office_id="H824",
        route=[
            step(0, "X28720", at(11, 2), at(11, 2), "on_time", HANDED_ON),
            step(1, "H824", arrived_at),
        ],
    )
    assert stats([d], "H824")["transferred_in"] == expected
    assert stats([d], "X28720")["transferred_in"] == 0  # its own first step never counts


@pytest.mark.parametrize(
    "outcome, timing, done_at, handed_on, decided",
    [
        (HANDED_ON, "early", at(11, 10), counts(early=1), zeros()),
        (HANDED_ON, "on_time", at(11, 10), counts(on_time=1), zeros()),
        (HANDED_ON, "late", at(11, 10), counts(late=1), zeros()),
        (lc.RESOLVED, "early", at(11, 10), zeros(), counts(early=1)),
        (lc.REFUSED, "late", at(11, 10), zeros(), counts(late=1)),
        (lc.STOPPED, "on_time", at(11, 10), zeros(), zeros()),  # neither handed on nor decided
        (lc.WITHDRAWN, "early", at(11, 10), zeros(), zeros()),
        (HANDED_ON, "early", END, zeros(), zeros()),  # the next period's
        (lc.RESOLVED, "late", START, zeros(), counts(late=1)),
        (HANDED_ON, None, at(11, 10), counts(total=1), zeros()),  # no timing: total only
        (None, None, None, zeros(), zeros()),  # not ended
    ],
)
def test_steps_count_by_how_they_ended(outcome, timing, done_at, handed_on, decided):
    d = dossier(
        "S1",
        office_id="H824",
        route=[
            step(0, "X28720", at(11, 2), at(11, 2), "on_time", HANDED_ON),
            step(1, "H824", at(11, 3), done_at, timing, outcome),
        ],
    )
    h = stats([d], "H824")["steps"]
    assert (h["handed_on"], h["decided"]) == (handed_on, decided)


def test_the_steps_on_time_rate_counts_both_kinds():
    route = [
        step(0, "H824", at(11, 2), at(11, 3), "early", HANDED_ON),
    ]
    ds = [
        dossier("A", receiving_office_id="H824", route=route),
        dossier("B", receiving_office_id="H824", route=[{**route[0], "timing": "late"}]),
        dossier("C", receiving_office_id="H824", route=[{**route[0], "outcome": lc.RESOLVED}]),
    ]
    assert stats(ds, "H824")["steps"] == {
        "handed_on": counts(early=1, late=1),
        "decided": counts(early=1),
        "on_time_rate": 0.6667,
    }
    assert stats([], "H824")["steps"]["on_time_rate"] is None


# ---- the dossiers it answers for ----


def finished_at_step(code, index, outcome, timing="on_time", finished=None):
    """A dossier of ROUTE finished at step `index` (the steps before it handed on)."""
    finished = finished or at(11, 18)
    route = [
        step(i, office, at(11, 2 + i), at(11, 3 + i), "early", HANDED_ON)
        for i, office in enumerate(ROUTE[:index])
    ]
    route.append(step(index, ROUTE[index], at(11, 2 + index), finished, timing, outcome))
    route += [step(i, ROUTE[i]) for i in range(index + 1, len(ROUTE))]
    return dossier(
        code,
        state=outcome,
        office_id=ROUTE[index],
        finished_at=finished,
        outcome=outcome,
        timing=timing,
        route=route,
    )


@pytest.mark.parametrize(
    "d, answering",
    [
        (finished_at_step("F1", 2, lc.RESOLVED), {"X28720", "T82"}),
        (finished_at_step("F2", 1, lc.RESOLVED), {"X28720", "H824"}),
        (finished_at_step("F3", 0, lc.RESOLVED), {"X28720"}),
        (finished_at_step("F4", 1, lc.REFUSED), {"X28720", "H824"}),
        (finished_at_step("F5", 2, lc.STOPPED), {"X28720", "T82"}),
        (finished_at_step("F6", 1, lc.WITHDRAWN), {"X28720", "H824"}),  # withdrawn while there
        (  # withdrawn on its way to H824: no step ended that way, the counter answers
            dossier(
                "F7",
                state=lc.WITHDRAWN,
                office_id="H824",
                finished_at=at(11, 18),
                outcome=lc.WITHDRAWN,
                timing="early",
                route=[
                    step(0, "X28720", at(11, 2), at(11, 2), "on_time", HANDED_ON),
                    step(1, "H824"),
                    step(2, "T82"),
                ],
            ),
            {"X28720"},
        ),
    ],
)
def test_a_finished_dossier_counts_for_the_office_that_finished_it_and_its_counter(d, answering):
    figure = {lc.RESOLVED: "resolved"}.get(d["outcome"], d["outcome"])
    for office in ROUTE:
        s = stats([d], office)
        got = s[figure]["total"] if figure == "resolved" else s[figure]
        assert got == (1 if office in answering else 0), office
        others = {"resolved", "refused", "stopped", "withdrawn"} - {figure}
        for name in others:
            assert (s[name]["total"] if name == "resolved" else s[name]) == 0


@pytest.mark.parametrize(
    "finished, counted",
    [(at(11, 18), 1), (START, 1), (END, 0), (at(10, 31, 23, 59), 0)],
)
def test_a_dossier_is_finished_in_the_period_of_its_finishing_instant(finished, counted):
    d = finished_at_step("P1", 2, lc.REFUSED, finished=finished)
    assert stats([d], "T82")["refused"] == counted
    assert stats([d], "X28720")["refused"] == counted


def test_resolved_by_timing_and_the_on_time_rate():
    ds = [
        finished_at_step("E1", 2, lc.RESOLVED, "early"),
        finished_at_step("E2", 2, lc.RESOLVED, "on_time"),
        finished_at_step("E3", 2, lc.RESOLVED, "late"),
        finished_at_step("E4", 2, lc.RESOLVED, None),  # counted, in the total only
        finished_at_step("E5", 2, lc.REFUSED, "early"),  # not resolved
    ]
    t = stats(ds, "T82")
    assert t["resolved"] == {"early": 1, "on_time": 1, "late": 1, "total": 4}
    assert t["on_time_rate"] == 0.5
    assert t["refused"] == 1
    three = [finished_at_step(c, 2, lc.RESOLVED, tm) for c, tm in (("a", "early"), ("b", "late"))]
    three.append(finished_at_step("c", 2, lc.RESOLVED, "late"))
    assert stats(three, "T82")["on_time_rate"] == 0.3333
    assert stats([ds[-1]], "T82")["on_time_rate"] is None  # nothing resolved


def test_an_apology_does_not_turn_late_into_on_time():
    # HT-03 at X28720, due Mon 23 Nov 17:00; an apology on Fri 20 gives Wed 25 11:30; resolved
    # on Wed 25 at 10:00, before the new date but after the legal one
    d = act(receive("HT-03", "X28720", at(11, 16)), "accept", HANDLER_X, at(11, 16, 10))
    reason = "Chờ ý kiến cơ quan liên quan"
    d = act(d, lc.EXTEND, HANDLER_X, at(11, 20, 9), reason=reason, new_due_at=at(11, 25, 10))
    assert d["appointment_at"] == at(11, 25, 11, 30) and d["legal_due_at"] == at(11, 23, 17)
    d = act(d, lc.RESOLVE, HANDLER_X, at(11, 25, 10))
    x = stats([d], "X28720")
    assert x["resolved"] == counts(late=1)
    assert x["steps"]["decided"] == counts(late=1)
    assert x["on_time_rate"] == 0.0


def test_more_than_one_supplement_request_is_late_for_the_dossier_only():
    d = act(receive("HT-03", "X28720", at(11, 16)), "accept", HANDLER_X, at(11, 16, 10))
    for asked, brought in [(at(11, 17, 9), at(11, 17, 10)), (at(11, 17, 14), at(11, 17, 15))]:
        params = {"reason": "Thiếu giấy", "missing_documents": ["xac_nhan_hon_nhan"]}
        d = act(d, lc.REQUEST_SUPPLEMENT, HANDLER_X, asked, **params)
        d = act(d, lc.SUPPLEMENT, RECEIVER_X, brought)
    d = act(d, lc.RESOLVE, HANDLER_X, at(11, 18, 10))
    x = stats([d], "X28720")
    assert x["resolved"] == counts(late=1)
    assert x["steps"]["decided"] == counts(early=1)


# ---- the open workload, for the office holding the dossier only ----


@pytest.mark.parametrize(
    "fields, within, past, suspended",
    [
        ({}, 1, 0, 0),  # its step due 3 Dec 17:00, as of 1 Dec 00:00
        ({"current_due_at": at(11, 20, 17)}, 0, 1, 0),
        ({"current_due_at": END}, 1, 0, 0),  # due exactly as of: within
        ({"current_due_at": at(12, 3, 17)}, 1, 0, 0),
        ({"paused_at": at(11, 25)}, 0, 0, 1),
        ({"paused_at": END}, 0, 0, 1),  # paused exactly as of
        # the workload is the current one, judged against as_of (counters keep no past holder):
        ({"paused_at": at(12, 2)}, 0, 0, 1),  # paused after as of: suspended now
        ({"finished_at": at(11, 29), "outcome": "resolved"}, 0, 0, 0),
        ({"finished_at": END, "outcome": "resolved"}, 0, 0, 0),  # finished now
        ({"received_at": END}, 1, 0, 0),  # received after as of: held now
    ],
)
def test_pending_and_suspended_for_the_holding_office_only(fields, within, past, suspended):
    base = {"current_due_at": at(12, 3, 17)}
    d = (
        dossier(
            "W1",
            office_id="H824",
            route=[
                step(0, "X28720", at(11, 2), at(11, 2), "on_time", HANDED_ON),
                step(1, "H824", at(11, 2)),
                step(2, "T82"),
            ],
        )
        | base
        | fields
    )
    h = stats([d], "H824")
    assert h["pending"] == {"within_deadline": within, "past_deadline": past}
    assert h["suspended_for_supplement"] == suspended
    for office in ("X28720", "T82"):  # its counter and the next office hold nothing
        other = stats([d], office)
        assert other["pending"] == {"within_deadline": 0, "past_deadline": 0}
        assert other["suspended_for_supplement"] == 0


def test_a_dossier_on_its_way_is_pending_at_the_office_it_goes_to():
    d = receive("XD-01", "X28720", at(11, 16))  # forwarded at once, not yet at H824
    assert (d["office_id"], d["at_office"]) == ("H824", False)
    now = at(11, 16, 10)
    h = stats([d], "H824", now)
    assert h["pending"] == {"within_deadline": 1, "past_deadline": 0}
    assert h["transferred_in"] == 0  # not arrived
    x = stats([d], "X28720", now)
    assert x["pending"] == {"within_deadline": 0, "past_deadline": 0}
    assert x["received"]["counter"] == 1


def test_the_open_workload_is_measured_as_of_now_within_the_period():
    d = dossier("N1", current_due_at=at(11, 20, 17))
    assert stats([d], "X28720", now=at(11, 20, 16))["pending"]["within_deadline"] == 1
    assert stats([d], "X28720", now=at(11, 21))["pending"]["past_deadline"] == 1
    s = stats([d], "X28720", now=at(11, 20, 16))
    assert s["as_of"] == at(11, 20, 16) and (s["from"], s["to"]) == (START, END)
    assert stats([d], "X28720", now=AFTER)["as_of"] == END


def test_a_month_balances_at_the_counter():
    """Carried over + received = finished in the period + open at its end, at a commune that
    decides what it receives."""
    ds = [
        dossier("B1"),
        dossier("B2", received_at=at(10, 25)),  # carried over, open
        dossier("B3", finished_at=at(11, 10), outcome=lc.RESOLVED, timing="early"),
        dossier("B4", finished_at=at(11, 11), outcome=lc.REFUSED, timing="on_time"),
        dossier("B5", finished_at=at(11, 12), outcome=lc.STOPPED),
        dossier("B6", finished_at=at(11, 13), outcome=lc.WITHDRAWN),
        dossier("B7", paused_at=at(11, 14)),
        dossier("B8", received_at=at(10, 25), finished_at=at(11, 3), outcome=lc.RESOLVED),
        dossier("B9", state=lc.NOT_ACCEPTED),
    ]
    r = stats(ds, "X28720")
    closed = r["resolved"]["total"] + r["refused"] + r["stopped"] + r["withdrawn"]
    open_ = sum(r["pending"].values()) + r["suspended_for_supplement"]
    assert r["received"]["total"] == closed + open_ == 8
    assert r["received"]["carried_over"] == 2


def test_the_figures_of_an_empty_office():
    assert stats([], "T82") == {
        "office_id": "T82",
        "from": START,
        "to": END,
        "as_of": END,
        "received": {"counter": 0, "online": 0, "post": 0, "carried_over": 0, "total": 0},
        "not_accepted": 0,
        "transferred_in": 0,
        "steps": {"handed_on": zeros(), "decided": zeros(), "on_time_rate": None},
        "resolved": zeros(),
        "refused": 0,
        "stopped": 0,
        "withdrawn": 0,
        "pending": {"within_deadline": 0, "past_deadline": 0},
        "suspended_for_supplement": 0,
        "awaiting_payment": 0,
        "awaiting_check": 0,
        "returned": 0,
        "on_time_rate": None,
    }


def test_the_period_is_november_in_vietnam():
    assert (at(11, 1, 0), at(12, 1, 0)) == (START, END)
    assert timedelta(days=30) == END - START
    assert CAL.tz == VN
