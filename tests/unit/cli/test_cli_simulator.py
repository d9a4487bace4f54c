"""The simulator: deterministic plans, the state rule, rates, NIK structure, ground-truth arithmetic."""

import random
from collections import Counter
from datetime import date
from pathlib import Path

import orjson
import pytest

from jangkau_cli.simulate.cli import build_plan
from jangkau_cli.simulate.model import Item, Plan, payments
from jangkau_cli.simulate.nik import make_nik, nik_problems
from jangkau_cli.simulate.rules import State, contribution_amount, month_index, monthly_amount, state_of
from jangkau_cli.simulate.run import write_queue
from jangkau_cli.simulate.scenarios import BANTEN, JAMBI_2018, SCENARIOS, SESETAN_2017
from jangkau_cli.simulate.truth import ground_truth


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_same_seed_gives_the_same_plan_and_another_seed_another(name: str) -> None:
    scenario = SCENARIOS[name]

    first = build_plan(scenario, seed=7, invalid_share=0.1)
    again = build_plan(scenario, seed=7, invalid_share=0.1)
    other = build_plan(scenario, seed=8, invalid_share=0.1)

    assert [i.body for i in first.registrations] == [i.body for i in again.registrations]
    assert [i.body for i in first.contributions] == [i.body for i in again.contributions]
    assert ground_truth(first) == ground_truth(again)
    assert [i.body for i in first.registrations] != [i.body for i in other.registrations]


@pytest.mark.parametrize(
    ("paid_through", "today", "state"),
    [
        (None, date(2017, 9, 1), State.NEVER_PAID),
        ("2017-08", date(2017, 8, 20), State.ACTIVE),
        ("2017-08", date(2017, 9, 15), State.ACTIVE),  # September is due by the 15th: not late yet
        ("2017-08", date(2017, 9, 16), State.ARREARS_1),
        ("2017-08", date(2017, 10, 16), State.ARREARS_2),
        ("2017-08", date(2017, 11, 16), State.ARREARS_3),
        ("2017-08", date(2017, 12, 15), State.ARREARS_3),
        ("2017-08", date(2017, 12, 16), State.LAPSED),
        ("2018-07", date(2017, 12, 16), State.ACTIVE),  # paid a year ahead
        ("2017-12", date(2018, 1, 16), State.ARREARS_1),  # across the new year
    ],
)
def test_the_state_follows_the_month_paid_through_and_the_15th(
    paid_through: str | None, today: date, state: State
) -> None:
    assert state_of(paid_through, today) is state


def test_contribution_amounts_follow_the_rate_table_in_force_each_month() -> None:
    base, jht = frozenset({"JKK", "JKM"}), frozenset({"JKK", "JKM", "JHT"})

    assert monthly_amount(1_000_000, base, "2017-08", "self") == 16_800
    assert monthly_amount(1_000_000, jht, "2017-08", "self") == 36_800
    assert monthly_amount(1_000_000, base, "2026-04", "self") == 8_400
    assert monthly_amount(1_000_000, jht, "2026-12", "village_fund") == 28_400
    assert monthly_amount(1_000_000, base, "2026-06", "regional_budget") == 16_800
    assert monthly_amount(2_000_000, base, "2027-01", "self") == 26_800
    assert contribution_amount(1_000_000, base, "2026-02", 3, "self") == 16_800 * 2 + 8_400
    assert contribution_amount(1_000_000, base, "2017-08", 12, "self") == 12 * 16_800
    assert monthly_amount(1_000_000, jht, "2020-09", "self") == 100 + 68 + 20_000  # 99 % COVID relief


def test_generated_niks_pass_the_structure_rules_and_encode_village_and_sex() -> None:
    plan = build_plan(SESETAN_2017, seed=1, invalid_share=0.2)
    good = [i.body for i in plan.registrations if i.valid]

    assert good
    assert all(nik_problems(b["nik"]) == [] for b in good)
    assert all(b["nik"].startswith(b["village_code"].replace(".", "")[:6]) for b in good)
    assert len({b["nik"] for b in good}) == len(good)
    assert make_nik("51.71.01.1003", date(1990, 8, 5), female=True, serial=1) == "5171014508900001"
    assert make_nik("51.71.01.1003", date(1990, 8, 5), female=False, serial=12) == "5171010508900012"


def test_invalid_entries_are_extra_and_break_a_rule() -> None:
    clean = build_plan(JAMBI_2018, seed=3)
    noisy = build_plan(JAMBI_2018, seed=3, invalid_share=0.2)
    bad = [i.body for i in noisy.registrations if not i.valid]

    assert bad
    assert sum(i.valid for i in noisy.registrations) == len(clean.registrations)
    for body in bad:
        broken = nik_problems(body["nik"]) or body["programmes"] == ["JKK"] or body["registered_on"] > "2090"
        assert broken, body


def test_the_valid_contributions_of_a_participant_leave_no_gap_and_pay_the_rate() -> None:
    rng = random.Random(5)
    paid = payments(rng, "keeps", date(2016, 3, 10), date(2017, 3, 20), on_spot=True)

    months = [month_index(first) for first, _, _ in paid]
    assert months == list(range(month_index("2016-03"), month_index("2017-03") + 1))
    assert all(paid_on <= date(2017, 3, 20) for _, _, paid_on in paid)
    assert payments(rng, "never", date(2016, 3, 10), date(2017, 3, 20), on_spot=True) == []
    assert len(payments(rng, "one", date(2016, 3, 10), date(2017, 3, 20), on_spot=False)) == 1

    plan = build_plan(BANTEN, seed=2)
    for item in plan.contributions:
        person = next(
            r.body for r in plan.registrations if r.body["client_id"] == item.body["participant_client_id"]
        )
        assert item.body["amount"] == contribution_amount(
            person["income_bracket"],
            frozenset(person["programmes"]),
            item.body["first_month"],
            item.body["months"],
            item.body["payer_type"],
        )


def test_ground_truth_counts_states_payments_and_rejections_per_branch() -> None:
    def reg(cid: str, branch: str = "denpasar", valid: bool = True) -> Item:
        return Item("registration", {"client_id": cid}, branch, valid)

    def pay(owner: str, first: str, months: int, amount: int, valid: bool = True) -> Item:
        body = {"participant_client_id": owner, "first_month": first, "months": months, "amount": amount}
        return Item("contribution", body, "denpasar", valid)

    plan = Plan(SESETAN_2017, date(2017, 12, 20))
    plan.registrations = [reg("a"), reg("b"), reg("c"), reg("d"), reg("bad", valid=False), reg("j", "jambi")]
    plan.contributions = [
        pay("a", "2017-08", 1, 16_800),  # paid through Aug: lapsed on 20 Dec
        pay("b", "2017-08", 3, 50_400),  # through Oct: arrears 2 (Nov, Dec overdue)
        pay("c", "2017-08", 12, 201_600),  # through Jul 2018: active
        pay("c", "2017-08", 2, 1, valid=False),
    ]

    truth = ground_truth(plan)

    assert truth["denpasar"] == {
        "registered": 4,
        "never_paid": 1,
        "active": 1,
        "arrears_1": 0,
        "arrears_2": 1,
        "arrears_3": 0,
        "lapsed": 1,
        "contributions": 3,
        "amount": 268_800,
        "rejected_registrations": 1,
        "rejected_contributions": 1,
    }
    assert truth["jambi"]["never_paid"] == 1
    assert truth["total"]["registered"] == 5


def test_a_written_queue_lists_every_item_with_its_kind(tmp_path: Path) -> None:
    plan = build_plan(SESETAN_2017, seed=4, scale=0.01, invalid_share=0.1)
    path = tmp_path / "q.jsonl"

    count = write_queue(plan, path)

    records = [orjson.loads(line) for line in path.read_text().splitlines()]
    assert count == len(records) == len(plan.registrations) + len(plan.contributions)
    assert {r["kind"] for r in records} == {"registration", "contribution"}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_each_participants_payments_follow_on_in_the_order_they_are_sent(name: str) -> None:
    plan = build_plan(SCENARIOS[name], seed=11)
    paid_through: dict[str, int] = {}

    for item in plan.contributions:  # sent in this order, so each must continue the previous one
        body, owner = item.body, item.body["participant_client_id"]
        first = month_index(body["first_month"])
        assert paid_through.get(owner, first - 1) == first - 1, body
        paid_through[owner] = first + body["months"] - 1


def test_the_demo_scenario_enrols_everyone_through_a_campaign_of_its_own_and_no_campaign_is_empty() -> None:
    scenario = SESETAN_2017
    ids = {w.name: f"campaign-{i}" for i, w in enumerate(scenario.waves) if w.campaign}

    plan = build_plan(scenario, seed=2017, campaign_ids=ids)

    brought = Counter(item.body["campaign_id"] for item in plan.registrations)
    assert set(brought) == set(ids.values())  # nobody without a campaign, none left empty
    assert len({w.campaign.name for w in scenario.waves if w.campaign}) == len(ids)
