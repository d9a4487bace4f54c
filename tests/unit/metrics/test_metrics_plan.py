"""Targets and regions: the packaged demo plan, reaching a target, comparing two stores."""

from datetime import date

import pytest

from jangkau_metrics.adapters.plan_file import read_plan
from jangkau_metrics.domain.campaigns import Campaign, merged
from jangkau_metrics.domain.reports import targets
from jangkau_metrics.domain.snapshot import Snapshot, differences
from jangkau_metrics.domain.targets import InvalidTarget, Target


def test_the_packaged_plan_holds_the_demo_targets_and_bantens_informal_workforce() -> None:
    plan = read_plan()
    assert plan.targets[("denpasar", 2017)] == Target("denpasar", 2017, 22_964, "registered")
    assert plan.targets[("jambi", 2018)].measure == "new_registrations"
    banten = next(r for r in plan.regions if r.code == "banten")
    assert banten.informal_workforce == round(5_900_000 * 0.5147)
    assert plan.region_of("pandeglang") == "banten"
    assert plan.region_of("nowhere") == ""


def test_a_stock_target_counts_registrations_up_to_the_end_of_its_year() -> None:
    snapshot = Snapshot(plan=read_plan())
    for day in (date(2016, 5, 1), date(2017, 8, 13), date(2018, 1, 1)):
        snapshot.coverage.registrations_per_year[("denpasar", day.year)] += 1
    row = next(r for r in targets(snapshot, year=2017) if r.branch == "denpasar")
    assert (row.actual, row.target) == (2, 22_964)
    assert row.achieved == pytest.approx(2 / 22_964)


def test_a_target_of_new_registrations_counts_only_those_made_in_its_year() -> None:
    snapshot = Snapshot(plan=read_plan())
    for day in (date(2017, 12, 31), date(2018, 1, 1), date(2018, 6, 1), date(2019, 1, 1)):
        snapshot.coverage.registrations_per_year[("jambi", day.year)] += 1
    row = next(r for r in targets(snapshot, year=2018) if r.branch == "jambi")
    assert (row.measure, row.actual) == ("new_registrations", 2)
    assert row.achieved == pytest.approx(2 / row.target)


def test_a_negative_target_is_refused_naming_the_branch() -> None:
    with pytest.raises(InvalidTarget, match="jambi 2018"):
        Target("jambi", 2018, -1)


def test_campaign_facts_merge_to_the_furthest_status_whatever_their_order() -> None:
    planned = Campaign("c1", "denpasar", "planned", name="Sesetan Karnaval booth", target_registrations=500)
    held = Campaign("c1", "denpasar", "held", headcount=1200)
    assert merged(planned, held) == merged(held, planned)
    assert merged(held, planned).status == "held"
    assert merged(held, planned).name == "Sesetan Karnaval booth"


def test_two_stores_differ_exactly_where_a_cell_differs() -> None:
    live = {"denpasar registered": "2", "denpasar never_paid": "1"}
    rebuilt = {"denpasar registered": "2", "denpasar paid_through=24211": "1"}
    assert differences(live, rebuilt) == [
        "denpasar never_paid: live=1 rebuilt=0",
        "denpasar paid_through=24211: live=0 rebuilt=1",
    ]
