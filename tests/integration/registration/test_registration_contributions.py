"""Contributions on the real database: rates in force, standing over time, reactivation, replays."""

import asyncio
from typing import Any

import pytest
from registration_helpers import Api, payment, worker
from sqlalchemy import select

from jangkau_registration.adapters.tables import contributions, outbox
from jangkau_shared.envelope import decode

pytestmark = pytest.mark.integration


async def _standing(api: Api, participant_id: str, as_of: str) -> dict[str, Any]:
    response = await api.http.get(f"/v1/participants/{participant_id}?as_of={as_of}", headers=api.denpasar)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_payment_extends_the_paid_through_month_and_answers_it(api: Api) -> None:
    participant_id = await api.participant()
    response = await api.pay(payment(participant_id, months=3, amount=3 * 16_800))

    assert response.status_code == 201, response.text
    assert response.json()["paid_through"] == "2026-03"
    assert response.json()["reactivated"] is False


@pytest.mark.parametrize(
    ("payer", "programmes", "bracket", "amount"),
    [
        ("self", ["JKK", "JKM"], 1_000_000, 8_400),  # 50 % off JKK and JKM from April 2026
        ("village_fund", ["JKK", "JKM"], 1_000_000, 8_400),
        ("regional_budget", ["JKK", "JKM"], 1_000_000, 16_800),  # APBD: no discount
        ("national_budget", ["JKK", "JKM"], 1_000_000, 16_800),  # APBN: no discount
        ("self", ["JHT", "JKK", "JKM"], 2_000_000, 10_000 + 3_400 + 40_000),  # JHT is not discounted
    ],
)
async def test_the_2026_discount_applies_except_to_budget_payers(
    api: Api, payer: str, programmes: list[str], bracket: int, amount: int
) -> None:
    participant_id = await api.participant(
        programmes=programmes, income_bracket=bracket, registered_on="2026-04-02"
    )
    april = {"first_month": "2026-04", "paid_on": "2026-04-02", "payer_type": payer}
    wrong = await api.pay(payment(participant_id, **april, amount=amount + 1))
    right = await api.pay(payment(participant_id, **april, amount=amount))

    assert wrong.json()["expected"] == amount
    assert right.status_code == 201, right.text


async def test_a_payment_across_the_discount_boundary_sums_each_month_rate(api: Api) -> None:
    participant_id = await api.participant(registered_on="2026-02-01")
    body = payment(participant_id, first_month="2026-02", months=6, paid_on="2026-02-01")
    response = await api.pay(body | {"amount": 2 * 16_800 + 4 * 8_400})

    assert response.status_code == 201, response.text
    assert response.json()["paid_through"] == "2026-07"


async def test_the_standing_moves_from_never_paid_to_active_arrears_and_lapsed(api: Api) -> None:
    participant_id = await api.participant()
    assert (await _standing(api, participant_id, "2026-01-20"))["state"] == "never_paid"
    await api.pay(payment(participant_id, months=3, amount=3 * 16_800))

    expected = {
        "2026-03-31": ("active", 0),
        "2026-04-15": ("active", 0),  # April is due by the 15th
        "2026-04-16": ("arrears", 1),
        "2026-07-15": ("arrears", 3),
        "2026-07-16": ("lapsed", 0),
    }
    for day, (state, months) in expected.items():
        status = await _standing(api, participant_id, day)
        assert (status["state"], status["arrears_months"]) == (state, months), day
    assert status["paid_through"] == "2026-03"
    assert status["programmes"] == ["JKK", "JKM"]


async def test_arrears_of_up_to_three_months_can_be_paid_in_order(api: Api) -> None:
    participant_id = await api.participant()
    await api.pay(payment(participant_id))
    late = payment(
        participant_id, first_month="2026-02", months=3, amount=2 * 16_800 + 8_400, paid_on="2026-05-10"
    )
    response = await api.pay(late)

    assert response.status_code == 201, response.text
    assert response.json()["paid_through"] == "2026-04"
    assert (await _standing(api, participant_id, "2026-05-10"))["state"] == "active"


async def test_a_lapsed_participant_restarts_with_the_month_of_payment_and_the_event_says_reactivated(
    api: Api,
) -> None:
    participant_id = await api.participant()
    await api.pay(payment(participant_id))
    arrears = await api.pay(
        payment(participant_id, first_month="2026-02", amount=16_800, paid_on="2026-06-20")
    )
    restart = await api.pay(
        payment(participant_id, first_month="2026-06", amount=8_400, paid_on="2026-06-20")
    )

    assert arrears.status_code == 422
    assert "lapsed" in arrears.json()["errors"][0]["reason"]
    assert restart.status_code == 201, restart.text
    assert restart.json()["reactivated"] is True
    assert restart.json()["paid_through"] == "2026-06"
    async with api.reg.engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.value, outbox.c.ce_type).order_by(outbox.c.id))).all()
    paid = decode([("ce_id", b"x"), ("ce_source", b"s"), ("ce_type", rows[-1].ce_type.encode()),
                   ("ce_specversion", b"1.0")], rows[-1].value)  # fmt: skip
    assert paid.data.reactivated is True  # type: ignore[attr-defined]


async def test_a_replayed_payment_returns_the_first_answer_and_emits_no_second_event(api: Api) -> None:
    participant_id = await api.participant()
    body = payment(participant_id)
    first = await api.pay(body)
    again = await api.pay(body)

    assert again.status_code == 201
    assert again.json() == first.json()
    async with api.reg.engine.connect() as conn:
        assert len((await conn.execute(select(contributions))).all()) == 1


async def test_concurrent_payments_for_one_participant_cannot_pay_the_same_month_twice(api: Api) -> None:
    participant_id = await api.participant()
    responses = await asyncio.gather(*(api.pay(payment(participant_id)) for _ in range(5)))

    assert sorted(r.status_code for r in responses) == [201, 422, 422, 422, 422]


async def test_a_contribution_batch_stores_the_good_payments(api: Api) -> None:
    first = await api.participant()
    second = await api.participant()
    items = [payment(first), payment(second, amount=1), payment(second), payment(first)]
    response = await api.http.post("/v1/contributions:batch", json={"items": items}, headers=api.denpasar)

    results = response.json()["results"]
    assert [r["status"] for r in results] == ["recorded", "invalid", "recorded", "invalid"]
    assert results[1]["expected_amount"] == 16_800
    assert results[3]["errors"][0]["field"] == "first_month"


async def test_a_registration_with_jht_is_paid_at_the_higher_rate(api: Api) -> None:
    participant_id = await api.participant(programmes=["JKK", "JKM", "JHT"])
    response = await api.pay(payment(participant_id, amount=36_800))

    assert response.status_code == 201, response.text
    assert (await _standing(api, participant_id, "2026-01-20"))["programmes"] == ["JHT", "JKK", "JKM"]


def test_worker_defaults_are_a_valid_registration() -> None:
    assert worker()["programmes"] == ["JKK", "JKM"]
