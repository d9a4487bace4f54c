"""The simulator's ground truth as of any day: who was registered by then, paid by then, standing then.

The tiny plans are checked by hand against the rule: a month is due by the 15th, late from the
16th; 1-3 overdue months unpaid is arrears, more is lapsed.
"""

from datetime import date

import pytest

from jangkau_cli.simulate.cli import build_plan
from jangkau_cli.simulate.model import Item, Plan
from jangkau_cli.simulate.scenarios import SCENARIOS, SESETAN_2017
from jangkau_cli.simulate.truth import STATES, coverage, ground_truth, movement, paid_through

SESETAN = "51.71.01.1003"
UBUNG_KAJA = "51.71.04.2008"
ZERO = dict.fromkeys(STATES, 0)


def person(
    cid: str,
    on: str,
    *,
    village: str = SESETAN,
    segment: str = "trader",
    campaign: str | None = None,
    branch: str = "denpasar",
    valid: bool = True,
) -> Item:
    body = {
        "client_id": cid,
        "registered_on": on,
        "village_code": village,
        "segment": segment,
        "campaign_id": campaign,
        "branch": branch,
    }
    return Item("registration", body, branch, valid)


def paid(owner: str, first: str, months: int, on: str, *, amount: int = 16_800, valid: bool = True) -> Item:
    body = {
        "participant_client_id": owner,
        "first_month": first,
        "months": months,
        "amount": amount,
        "paid_on": on,
    }
    return Item("contribution", body, "denpasar", valid)


def plan_of(*items: Item) -> Plan:
    plan = Plan(SESETAN_2017, date(2018, 2, 20))
    plan.registrations = [i for i in items if i.kind == "registration"]
    plan.contributions = [i for i in items if i.kind == "contribution"]
    return plan


def states(plan: Plan, day: str) -> dict[str, int]:
    """The denpasar row as of ``day``, without its zeros (a missing row: nobody)."""
    row = coverage(plan, date.fromisoformat(day), branch="denpasar").get("denpasar", {})
    return {state: n for state, n in row.items() if n}


def test_a_participant_registered_after_the_day_is_not_counted_that_day() -> None:
    plan = plan_of(person("a", "2017-08-13"), person("b", "2017-08-14"))

    assert states(plan, "2017-08-12") == {}
    assert states(plan, "2017-08-13") == {"registered": 1, "never_paid": 1}
    assert states(plan, "2017-08-14") == {"registered": 2, "never_paid": 2}
    assert coverage(plan, date(2017, 8, 12)) == {}  # no row at all, not a row of zeros


def test_a_payment_made_after_the_day_does_not_count_that_day() -> None:
    plan = plan_of(person("a", "2017-08-13"), paid("a", "2017-08", 1, "2017-08-20"))

    assert states(plan, "2017-08-19") == {"registered": 1, "never_paid": 1}
    assert states(plan, "2017-08-20") == {"registered": 1, "active": 1}
    assert paid_through(plan, date(2017, 8, 19)) == {}
    assert paid_through(plan, date(2017, 8, 20)) == {"a": "2017-08"}


def test_the_15th_is_the_last_day_on_time_and_the_16th_the_first_day_late() -> None:
    plan = plan_of(person("a", "2017-08-13"), paid("a", "2017-08", 1, "2017-08-13"))

    assert states(plan, "2017-09-15") == {"registered": 1, "active": 1}
    assert states(plan, "2017-09-16") == {"registered": 1, "arrears_1": 1}
    assert states(plan, "2017-11-16") == {"registered": 1, "arrears_3": 1}
    assert states(plan, "2017-12-15") == {"registered": 1, "arrears_3": 1}
    assert states(plan, "2017-12-16") == {"registered": 1, "lapsed": 1}


def test_a_late_payment_moves_the_participant_from_its_payment_day_only() -> None:
    plan = plan_of(
        person("a", "2017-08-13"),
        paid("a", "2017-08", 1, "2017-08-13"),
        paid("a", "2017-09", 3, "2017-09-20"),  # September paid five days late, through November
    )

    assert states(plan, "2017-09-16") == {"registered": 1, "arrears_1": 1}
    assert states(plan, "2017-09-19") == {"registered": 1, "arrears_1": 1}
    assert states(plan, "2017-09-20") == {"registered": 1, "active": 1}
    assert states(plan, "2017-12-16") == {"registered": 1, "arrears_1": 1}


def test_the_highest_month_paid_by_the_day_counts_not_the_last_payment() -> None:
    plan = plan_of(
        person("a", "2017-08-13"),
        paid("a", "2017-08", 12, "2017-08-13"),  # a year ahead, through July 2018
        paid("a", "2017-08", 1, "2017-10-01"),  # an older month recorded later: lowers nothing
        paid("a", "2018-08", 1, "2018-09-01"),  # after the plan's today: counted only from that day
    )

    assert states(plan, "2018-02-20") == {"registered": 1, "active": 1}
    assert paid_through(plan, date(2018, 2, 20)) == {"a": "2018-07"}
    assert paid_through(plan, date(2018, 9, 1)) == {"a": "2018-08"}


def test_a_participant_who_never_paid_stays_never_paid_whatever_the_day() -> None:
    plan = plan_of(person("a", "2016-03-01"))

    for day in ("2016-03-01", "2016-07-16", "2030-01-01"):
        assert states(plan, day) == {"registered": 1, "never_paid": 1}


def test_rows_by_village_segment_and_campaign_count_the_same_people_as_the_branch() -> None:
    plan = plan_of(
        person("a", "2017-08-13", campaign="booth"),
        person("b", "2017-08-14", village=UBUNG_KAJA, segment="driver"),
        person("c", "2017-08-20", campaign="booth"),
        person("j", "2017-08-13", village="15.04.03.2015", segment="farmer", branch="jambi"),
        paid("a", "2017-08", 1, "2017-08-13"),
    )
    day = date(2017, 8, 15)

    assert coverage(plan, day, by="village", branch="denpasar") == {
        SESETAN: ZERO | {"registered": 1, "active": 1},
        UBUNG_KAJA: ZERO | {"registered": 1, "never_paid": 1},
    }
    assert {k: r["registered"] for k, r in coverage(plan, day, by="segment").items()} == {
        "driver": 1,
        "farmer": 1,
        "trader": 1,
    }
    assert coverage(plan, day, by="campaign") == {"booth": ZERO | {"registered": 1, "active": 1}}
    assert set(coverage(plan, day)) == {"denpasar", "jambi"}


def test_the_truth_as_of_a_day_counts_payments_and_rejections_recorded_by_then() -> None:
    bad_date = person("x", "2099-01-01", valid=False)
    bad_date.recorded_on = "2017-08-14"  # typed from a good entry of that day, with a wrong date
    plan = plan_of(
        person("a", "2017-08-13"),
        bad_date,
        paid("a", "2017-08", 1, "2017-08-13"),
        paid("a", "2017-09", 1, "2017-09-10", amount=1, valid=False),
        paid("a", "2017-09", 1, "2017-09-10"),
    )

    before = ground_truth(plan, date(2017, 8, 13))["denpasar"]
    after = ground_truth(plan, date(2017, 9, 10))["denpasar"]

    assert (before["contributions"], before["amount"], before["rejected_registrations"]) == (1, 16_800, 0)
    assert before["rejected_contributions"] == 0
    assert (after["contributions"], after["amount"], after["rejected_registrations"]) == (2, 33_600, 1)
    assert after["rejected_contributions"] == 1
    assert ground_truth(plan)["denpasar"]["rejected_registrations"] == 1


def test_a_days_movement_is_what_was_recorded_that_day_in_the_branch() -> None:
    plan = plan_of(
        person("a", "2017-08-13"),
        person("b", "2017-08-13"),
        person("j", "2017-08-13", branch="jambi"),
        person("x", "2017-08-13", valid=False),
        paid("a", "2017-08", 1, "2017-08-13"),
        paid("b", "2017-08", 3, "2017-08-14", amount=50_400),
    )

    assert movement(plan, date(2017, 8, 13), branch="denpasar") == {
        "registrations": 2,
        "contributions": 1,
        "rupiah": 16_800,
    }
    assert movement(plan, date(2017, 8, 14), branch="denpasar") == {
        "registrations": 0,
        "contributions": 1,
        "rupiah": 50_400,
    }


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_a_scenario_as_of_its_today_is_the_truth_of_the_whole_run(name: str) -> None:
    plan = build_plan(SCENARIOS[name], seed=2017, invalid_share=0.1)

    assert ground_truth(plan, plan.today) == ground_truth(plan)
    assert coverage(plan, plan.today) == {
        branch: {k: v for k, v in row.items() if k in STATES}
        for branch, row in ground_truth(plan).items()
        if branch != "total" and row["registered"]
    }


@pytest.mark.parametrize(
    ("scenario", "day", "registered"),
    [
        ("sesetan-2017", date(2017, 7, 31), 400),  # the pilot only: the booth is two weeks away
        ("sesetan-2017", date(2016, 2, 29), 0),  # the day before the pilot's first registration
        ("jambi-2018", date(2018, 3, 19), 0),  # the day before the first village launch
    ],
)
def test_a_scenario_counts_only_the_people_registered_by_the_day(
    scenario: str, day: date, registered: int
) -> None:
    plan = build_plan(SCENARIOS[scenario], seed=2017)

    assert ground_truth(plan, day)["total"]["registered"] == registered
    assert sum(row["registered"] for row in coverage(plan, day, by="village").values()) == registered


def test_the_issue_example_sesetan_as_of_2017_07_31_has_400_registered_and_80_active() -> None:
    plan = build_plan(SESETAN_2017, seed=2017)

    as_of = coverage(plan, date(2017, 7, 31))["denpasar"]

    assert (as_of["registered"], as_of["active"]) == (400, 80)
    assert ground_truth(plan)["denpasar"]["registered"] == 460  # everyone, as the service counts today
