"""Quotes on the real database and HTTP app: what a payment must amount to, and that it is accepted."""

from typing import Any
from uuid import uuid4

import httpx
import pytest
from registration_helpers import Api, payment

from jangkau_registration.adapters.tables import contributions, outbox

pytestmark = pytest.mark.integration


async def _quote(
    api: Api, participant_id: str, headers: dict[str, str] | None = None, **query: Any
) -> httpx.Response:
    return await api.http.get(
        f"/v1/participants/{participant_id}/quote", params=query, headers=headers or api.denpasar
    )


async def test_a_quote_tells_the_amount_months_rate_period_and_paid_through_month(api: Api) -> None:
    participant_id = await api.participant(programmes=["JKK", "JKM", "JHT"], income_bracket=2_000_000)

    response = await _quote(api, participant_id, first_month="2026-03", months=3, paid_on="2026-03-01")

    assert response.status_code == 200, response.text
    quote = response.json()
    # March at full rates; from April 50 % off JKK and JKM (JHT is never discounted).
    assert quote["amount"] == (20_000 + 6_800 + 40_000) + 2 * (10_000 + 3_400 + 40_000)
    assert (quote["first_month"], quote["last_month"], quote["months"]) == ("2026-03", "2026-05", 3)
    assert (quote["paid_through"], quote["reactivates"], quote["payer_type"]) == ("2026-05", False, "self")
    assert [(m["month"], m["rate_from"], m["rate_until"]) for m in quote["monthly"]] == [
        ("2026-03", "2015-07", None),
        ("2026-04", "2015-07", None),
        ("2026-05", "2015-07", None),
    ]
    assert [len(m["discounts"]) for m in quote["monthly"]] == [0, 1, 1]


async def test_a_payment_of_the_quoted_amount_is_recorded_paid_through_the_quoted_month(api: Api) -> None:
    participant_id = await api.participant(registered_on="2026-04-02")
    terms = {"first_month": "2026-04", "months": 6, "paid_on": "2026-04-02", "payer_type": "regional_budget"}
    quote = (await _quote(api, participant_id, **terms)).json()

    paid = await api.pay(payment(participant_id, **terms, amount=quote["amount"]))

    assert paid.status_code == 201, paid.text
    assert quote["amount"] == 6 * 16_800  # a regional budget gets no 2026 discount
    assert paid.json()["paid_through"] == quote["paid_through"] == "2026-09"


async def test_a_quote_stores_and_publishes_nothing(api: Api) -> None:
    participant_id = await api.participant()
    events = await api.count(outbox)

    response = await _quote(api, participant_id, first_month="2026-01", months=12, paid_on="2026-01-10")

    assert response.status_code == 200, response.text
    assert (await api.count(outbox), await api.count(contributions)) == (events, 0)


async def test_another_branchs_participant_and_an_unknown_one_get_404(api: Api) -> None:
    participant_id = await api.participant()
    terms = {"first_month": "2026-01", "paid_on": "2026-01-10"}

    other_branch = await _quote(api, participant_id, api.jambi, **terms)
    unknown = await _quote(api, str(uuid4()), **terms)
    everywhere = await _quote(api, participant_id, api.everywhere, **terms)

    assert (other_branch.status_code, unknown.status_code, everywhere.status_code) == (404, 404, 200)
    assert other_branch.json()["title"] == unknown.json()["title"]
    assert "denpasar" not in other_branch.text  # like a missing one: nothing tells where it is


@pytest.mark.parametrize(
    ("query", "field", "value"),
    [
        ({"first_month": "2026-13"}, "first_month", "2026-13"),
        ({"first_month": "2026-01", "months": 2}, "months", 2),
        ({"first_month": "2025-12"}, "first_month", "2025-12"),  # before the registration month
        ({"first_month": "2026-01", "paid_on": "2025-12-31"}, "paid_on", "2025-12-31"),
    ],
)
async def test_a_quote_the_payment_would_refuse_answers_422_naming_the_field_and_value(
    api: Api, query: dict[str, Any], field: str, value: object
) -> None:
    participant_id = await api.participant()

    response = await _quote(api, participant_id, **({"paid_on": "2026-01-10"} | query))

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert (error["field"], error["value"]) == (field, value)
