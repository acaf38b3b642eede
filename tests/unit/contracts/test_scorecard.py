"""The Decision 766 scorecard's indicators (contracts/scorecard.py), one table per indicator:
normal figures, zero denominators (None, never a made-up 0 or 100 %), and the groups with no
data yet."""

import pytest

from contracts import scorecard as sc


def stats(
    early=0, on_time=0, late=0, counter=0, online=0, post=0, carried=0, steps=(0, 0, 0), rate=None
):
    """A GET /api/stats answer (services/routing/stats.py figures) with the counts the
    scorecard reads; the rest as routing gives it."""
    handed = {"early": steps[0], "on_time": steps[1], "late": steps[2], "total": sum(steps)}
    none = {"early": 0, "on_time": 0, "late": 0, "total": 0}
    return {
        "office_id": "H824",
        "received": {
            "counter": counter,
            "online": online,
            "post": post,
            "carried_over": carried,
            "total": counter + online + post + carried,
        },
        "resolved": {
            "early": early,
            "on_time": on_time,
            "late": late,
            "total": early + on_time + late,
        },
        "steps": {"handed_on": handed, "decided": none, "on_time_rate": rate},
        "pending": {"within_deadline": 0, "past_deadline": 0},
        "on_time_rate": None,
    }


def payments(paid=0, online=0):
    share = round(online / paid, 4) if paid else None
    return {
        "collected_vnd": {"cash": 0, "transfer": 0, "online": 0, "total": 0},
        "refunded_vnd": 0,
        "fees": {"paid": paid, "online": online, "online_share": share},
    }


def by_group(found):
    return {i["group"]: i for i in found}


@pytest.mark.parametrize(
    ("early", "on_time", "late", "rate", "points"),
    [
        (3, 1, 0, 1.0, 20.0),  # all within time: early counts as within time
        (1, 2, 1, 0.75, 15.0),
        (0, 0, 4, 0.0, 0.0),  # all late: a real 0, four dossiers measured
        (1, 1, 1, 0.6667, 13.33),
        (0, 0, 0, None, None),  # nothing resolved: nothing to measure, no score
    ],
)
def test_progress(early, on_time, late, rate, points):
    i = sc.progress(stats(early, on_time, late, steps=(2, 0, 1), rate=0.6667))
    assert (i["rate"], i["points"], i["points_max"]) == (rate, points, 20)
    assert i["inputs"] == {
        "resolved_early": early,
        "resolved_on_time": on_time,
        "resolved_late": late,
        "resolved_total": early + on_time + late,
        "steps_total": 3,
        "steps_on_time_rate": 0.6667,  # shown, not scored
    }
    assert i["reason"] == (None if rate is not None else sc.NOTHING_IN_PERIOD)
    assert "đúng hạn" in i["formula"]


@pytest.mark.parametrize(
    ("counter", "online", "post", "carried", "rate", "points"),
    [
        (6, 3, 1, 0, 0.3, 3.6),
        (0, 5, 0, 7, 1.0, 12.0),  # carried over from before are not received in the period
        (4, 0, 0, 0, 0.0, 0.0),
        (0, 0, 0, 9, None, None),  # only carried over: nothing received in the period
        (0, 0, 0, 0, None, None),
    ],
)
def test_online_services(counter, online, post, carried, rate, points):
    i = sc.online_services(stats(counter=counter, online=online, post=post, carried=carried))
    assert (i["rate"], i["points"], i["points_max"]) == (rate, points, 12)
    assert i["inputs"]["received_in_period"] == counter + online + post
    assert i["inputs"]["received_online"] == online
    assert i["reason"] == (None if rate is not None else sc.NOTHING_IN_PERIOD)


@pytest.mark.parametrize(
    ("paid", "online", "rate", "points"),
    [
        (4, 1, 0.25, 2.5),
        (2, 2, 1.0, 10.0),
        (3, 0, 0.0, 0.0),
        (0, 0, None, None),  # no fee paid in the period
    ],
)
def test_online_payment(paid, online, rate, points):
    i = sc.online_payment(payments(paid, online))
    assert (i["rate"], i["points"], i["points_max"]) == (rate, points, 10)
    assert i["inputs"] == {"fees_paid": paid, "fees_paid_online": online}
    assert i["reason"] == (None if rate is not None else sc.NOTHING_IN_PERIOD)


def test_online_payment_without_payment_figures_is_no_data():
    i = sc.online_payment(None)
    assert (i["rate"], i["points"], i["reason"], i["inputs"]) == (None, None, sc.NO_DATA_YET, {})


@pytest.mark.parametrize(
    ("parts", "digitised", "reused", "rate", "points"),
    [
        (10, 4, 1, 0.4, 8.8),
        (3, 3, 3, 1.0, 22.0),
        (7, 0, 0, 0.0, 0.0),
        (0, 0, 0, None, None),  # no part received in the period
    ],
)
def test_digitisation(parts, digitised, reused, rate, points):
    files = {
        "parts_received": parts,
        "parts_digitised": digitised,
        "parts_reused": reused,
        "results_electronic": 2,
    }
    i = sc.digitisation(files)
    assert (i["rate"], i["points"], i["points_max"]) == (rate, points, 22)
    assert i["inputs"] == files
    assert i["reason"] == (None if rate is not None else sc.NOTHING_IN_PERIOD)
    assert sc.digitisation(None)["reason"] == sc.NO_DATA_YET


@pytest.mark.parametrize("group", ["public_information", "satisfaction", "digitisation"])
def test_groups_without_data_say_so_and_score_nothing(group):
    found = by_group(sc.indicators(stats(5, 5, 0, counter=10, online=10), payments(2, 2)))
    i = found[group]
    assert i["rate"] is None and i["points"] is None
    assert i["reason"] == sc.NO_DATA_YET and i["inputs"] == {}
    assert i["points_max"] == sc.BY_KEY[group].points_max


def test_the_groups_make_100_points_in_the_decisions_order():
    assert [(g.key, g.points_max) for g in sc.GROUPS] == [
        ("public_information", 18),
        ("progress", 20),
        ("online_services", 12),
        ("online_payment", 10),
        ("satisfaction", 18),
        ("digitisation", 22),
    ]
    assert sc.POINTS_TOTAL == 100


def test_totals_add_the_scored_points_out_of_their_maximum():
    found = sc.indicators(stats(1, 2, 1, counter=6, online=3, post=1), payments(4, 1))
    assert sc.totals(found) == {
        "points": 21.1,  # 15 + 3.6 + 2.5
        "points_max": 42,  # 20 + 12 + 10
        "points_possible": 100,
        "unscored": [
            {"group": "public_information", "reason": "no_data_yet"},
            {"group": "satisfaction", "reason": "no_data_yet"},
            {"group": "digitisation", "reason": "no_data_yet"},
        ],
    }


def test_totals_of_an_office_with_nothing_in_the_period_score_nothing():
    totals = sc.totals(sc.indicators(stats(), payments()))
    assert (totals["points"], totals["points_max"]) == (0, 0)
    assert [u["reason"] for u in totals["unscored"]] == [
        "no_data_yet",
        "nothing_in_period",
        "nothing_in_period",
        "nothing_in_period",
        "no_data_yet",
        "no_data_yet",
    ]


def test_a_scorecard_row_carries_the_office():
    row = sc.scorecard({"office_id": "H824", "name": "Huyện Gò Công Đông"}, stats(1), payments())
    assert row["office_id"] == "H824" and len(row["indicators"]) == 6
    assert row["totals"]["points"] == 20.0


def voice(total: int, satisfied: int) -> dict:
    return {"evaluations": {"total": total, "satisfied": satisfied}}


@pytest.mark.parametrize(
    "total, satisfied, rate, points, reason",
    [
        (20, 19, 0.95, 17.1, None),
        (3, 0, 0.0, 0.0, None),
        (0, 0, None, None, sc.NO_EVALUATION_IN_PERIOD),
    ],
)
def test_satisfaction_scores_the_satisfied_evaluations(total, satisfied, rate, points, reason):
    i = sc.satisfaction(voice(total, satisfied))
    assert (i["rate"], i["points"], i["points_max"], i["reason"]) == (rate, points, 18, reason)
    assert i["inputs"] == {"evaluations": total, "satisfied": satisfied}


def test_satisfaction_counts_in_the_totals_when_the_figures_were_read():
    found = sc.indicators(stats(1, 2, 1, counter=6, online=3, post=1), payments(4, 1), voice(4, 3))
    assert sc.totals(found)["points"] == 34.6  # 21.1 + 18 × 0.75
    assert sc.totals(found)["points_max"] == 60
