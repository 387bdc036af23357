"""The figures of a worked month (tests/reports/conftest.py) match exact, hand-computed answers."""

from __future__ import annotations

import datetime

import pytest

from reports import figures as fig
from tests.reports.conftest import MARCH, at

pytestmark = pytest.mark.django_db


def test_month_window_runs_from_midnight_to_midnight_in_shanghai():
    start, end = fig.month_window(datetime.date(2026, 3, 17))
    assert start.isoformat() == "2026-03-01T00:00:00+08:00"
    assert end.isoformat() == "2026-04-01T00:00:00+08:00"
    assert fig.add_months(datetime.date(2026, 1, 1), -1) == datetime.date(2025, 12, 1)
    assert fig.parse_month("2026-02") == datetime.date(2026, 2, 1)
    assert fig.parse_month("2026-13") is None
    assert fig.parse_month("２０２６-02") is None
    assert fig.parse_month("x") is None


def test_station_a_in_the_worked_month_gives_the_hand_computed_figures(worked_month):
    f = fig.month_figures(worked_month.station_a, MARCH)
    assert f["orders"]["total"] == 5  # 03-01 00:00 and 03-31 23:59 in, 02-28 23:59:59 and 04-01 00:00 out
    assert f["orders"]["completed"] == 3
    assert f["orders"]["by_status"] == {
        "submitted": 1,
        "dispatched": 0,
        "accepted": 1,
        "completed": 1,
        "rated": 2,
        "cancelled": 0,
        "rejected": 0,
    }
    assert f["orders"]["by_category"] == {"law": 5}
    # dispatch [2, 4, 6, 30]: median (4+6)/2, p90 at 2.7 → 6 + 0.7 × 24
    assert f["dispatch_hours_median"] == 5.0
    assert f["dispatch_hours_p90"] == 22.8
    # accept [1, 1, 2, 26]
    assert f["accept_hours_median"] == 1.5
    assert f["accept_hours_p90"] == 18.8
    # complete [10, 20, 40] (odd count): median 20, p90 at 1.8 → 20 + 0.8 × 20
    assert f["complete_hours_median"] == 20.0
    assert f["complete_hours_p90"] == 36.0
    assert (f["on_time_count"], f["on_time_base"], f["on_time_rate"]) == (2, 4, 0.5)
    assert f["completion_rate"] == 0.6
    assert (f["rating_mean"], f["rating_count"], f["unrated_count"]) == (4.0, 2, 1)
    assert f["wishes"] == {"posted": 0, "claimed": 0, "completed": 0}
    assert f["volunteers"] == {"active": 2, "new": 1}
    assert f["service_hours"] == 3.5
    assert f["points"]["issued"] == 30
    assert f["points"]["redeemed"] == 6
    assert f["points"]["by_kind"] == {"earn": 30, "redeem": -6, "refund": 0, "adjust": 0, "expire": 0}
    assert f["top_households"] == [
        {"rank": 1, "household": "张**家", "points": 20},
        {"rank": 2, "household": "李*家", "points": 10},
    ]
    # held: the published one at 03-01 00:00 and the finished one at 03-31 23:30 (not the
    # cancelled, the draft nor the April one); sign-ups enrolled: 3 + 1; checked in: 2 + 1.
    assert f["activities"] == {
        "held": 2,
        "enrolments": 4,
        "checked_in": 3,
        "attendance_rate": 0.75,
        "participants": 2,
    }
    assert f["previous"]["activities"] == {
        "held": 0,
        "enrolments": 0,
        "checked_in": 0,
        "attendance_rate": None,
        "participants": 0,
    }
    # The month before: only the order of 02-28 23:59:59 and 5 hours.
    assert f["previous"]["orders"]["total"] == 1
    assert f["previous"]["service_hours"] == 5.0
    assert f["previous"]["dispatch_hours_median"] is None
    history = {row["month"]: row for row in f["history"]}
    assert len(f["history"]) == 12 and f["history"][-1]["month"] == "2026-03"
    assert history["2026-03"]["orders"] == 5 and history["2026-02"]["orders"] == 1
    assert history["2026-03"]["service_hours"] == 3.5


def test_station_b_has_the_wish_and_nothing_to_time(worked_month):
    f = fig.month_figures(worked_month.station_b, MARCH)
    assert f["orders"]["total"] == 2
    assert f["orders"]["by_category"] == {"law": 1, "other": 1}
    assert f["wishes"] == {"posted": 1, "claimed": 1, "completed": 1}
    assert f["dispatch_hours_median"] is None and f["accept_hours_p90"] is None
    assert f["complete_hours_median"] == 24.0 and f["complete_hours_p90"] == 24.0
    assert f["on_time_rate"] is None
    assert f["rating_mean"] is None
    assert f["completion_rate"] == 0.5
    assert f["service_hours"] == 4.0 and f["volunteers"] == {"active": 1, "new": 0}
    assert f["activities"] == {"held": 1, "enrolments": 1, "checked_in": 0, "attendance_rate": 0.0, "participants": 0}


def test_a_parents_counts_are_the_sum_of_its_childrens(worked_month):
    town = worked_month
    institute = fig.month_figures(town.institute, MARCH)
    rows = {row["name"]: row for row in institute["children"]}
    assert set(rows) == {town.station_a.name, town.station_b.name}
    for key in ("orders", "completed", "rating_count", "on_time_base", "on_time_count", "points_issued"):
        assert (
            rows[town.station_a.name][key] + rows[town.station_b.name][key]
            == {
                "orders": institute["orders"]["total"],
                "completed": institute["orders"]["completed"],
                "rating_count": institute["rating_count"],
                "on_time_base": institute["on_time_base"],
                "on_time_count": institute["on_time_count"],
                "points_issued": institute["points"]["issued"],
            }[key]
        )
    assert institute["orders"]["total"] == 7
    assert institute["service_hours"] == 7.5
    assert institute["activities"] == {
        "held": 3,
        "enrolments": 5,
        "checked_in": 3,
        "attendance_rate": 0.6,
        "participants": 2,
    }
    assert rows[town.station_a.name]["service_hours"] + rows[town.station_b.name]["service_hours"] == 7.5
    assert rows[town.station_a.name]["completion_rate"] == 0.6
    # The center's one child is the institute, with the same totals.
    center = fig.month_figures(town.center, MARCH)
    assert [row["orders"] for row in center["children"]] == [7]
    assert center["orders"]["total"] == 7


def test_an_empty_month_has_zero_counts_and_null_measures(town):
    f = fig.month_figures(town.station_a, datetime.date(2025, 1, 1))
    assert f["orders"]["total"] == 0
    assert f["completion_rate"] is None and f["on_time_rate"] is None and f["rating_mean"] is None
    assert f["dispatch_hours_median"] is None and f["complete_hours_p90"] is None
    assert f["service_hours"] == 0 and f["volunteers"] == {"active": 0, "new": 0}
    assert f["points"]["issued"] == 0 and f["top_households"] == []
    assert f["activities"] == {"held": 0, "enrolments": 0, "checked_in": 0, "attendance_rate": None, "participants": 0}


def test_a_month_with_one_order_has_that_orders_times_as_median_and_p90(town, item_a, place):
    place(item_a, at(6, 10, 9), "completed", dispatch=3, accept=2, complete=12)
    f = fig.month_figures(town.station_a, datetime.date(2026, 6, 1))
    assert f["orders"]["total"] == 1
    assert (f["dispatch_hours_median"], f["dispatch_hours_p90"]) == (3.0, 3.0)
    assert (f["accept_hours_median"], f["accept_hours_p90"]) == (2.0, 2.0)
    assert (f["complete_hours_median"], f["complete_hours_p90"]) == (12.0, 12.0)
    assert f["on_time_rate"] == 1.0 and f["completion_rate"] == 1.0


def test_a_quarter_combines_months_by_sums_and_weighted_means_never_a_mean_of_means(worked_month, item_a, place):
    # April: one order rated 1 star. Mean of monthly means would be (4 + 1) / 2 = 2.5; the
    # quarter's mean is all stars over all rated orders: (5 + 3 + 1) / 3 = 3.
    place(item_a, at(4, 10, 9), "rated", dispatch=1, accept=1, complete=5, stars=1)
    town = worked_month
    march = fig.core_figures(town.station_a, *fig.month_window(MARCH))
    april = fig.core_figures(town.station_a, *fig.month_window(datetime.date(2026, 4, 1)))
    combined = fig.combine([march, april])
    assert combined["rating_mean"] == 3.0
    whole = fig.core_figures(town.station_a, at(3, 1), at(5, 1))
    for key in (
        "orders.total",
        "orders.completed",
        "rating_count",
        "service_hours",
        "points.issued",
        "points.redeemed",
    ):
        assert fig.lookup(combined, key) == fig.lookup(whole, key), key
    assert combined["completion_rate"] == whole["completion_rate"]
    assert combined["on_time_rate"] == whole["on_time_rate"]
    assert combined["rating_mean"] == whole["rating_mean"]


@pytest.mark.postgres
def test_percentile_cont_and_the_order_by_offset_way_give_the_same_answers(worked_month, item_a, place):
    from activities.models import Order

    for n, hours in enumerate((0.5, 7, 7, 13.25, 2, 40, 1)):  # more values, odd and even counts below
        place(item_a, at(5, 3 + n, 9), "accepted", dispatch=hours, accept=hours / 2)
    measures = {
        "dispatch": fig.HoursBetween("dispatched_at", "created_at"),
        "accept": fig.HoursBetween("accepted_at", "dispatched_at"),
    }
    fractions = {"median": 0.5, "p90": 0.9, "p25": 0.25, "min": 0.0, "max": 1.0}
    for month in (3, 5):
        start, end = fig.month_window(datetime.date(2026, month, 1))
        orders = Order.objects.filter(created_at__gte=start, created_at__lt=end)
        database = fig.percentiles(orders, measures, fractions)
        offset = fig.percentiles(orders, measures, fractions, method="offset")
        assert database.keys() == offset.keys()
        for key in database:
            assert database[key] == pytest.approx(offset[key], abs=1e-6), key
    assert fig.percentiles(orders.filter(pk__lt=0), measures, fractions) == dict.fromkeys(database)
