"""Every validation rule: send the bad value, read the 422 problem that names field and value."""

from typing import Any

import pytest
from registration_helpers import SUNGAI_BAUNG, Api, new_nik, payment, worker

pytestmark = pytest.mark.integration

MAN_1985 = new_nik(day=15, month=8, year=85)

REGISTRATION_CASES: list[tuple[str, dict[str, Any], str, Any]] = [
    ("nik too short", {"nik": "517101150885"}, "nik", "************"),
    ("nik with letters", {"nik": "51710115088500AB"}, "nik", "51************AB"),
    ("nik unknown province", {"nik": "9971011508850001"}, "nik", "99************01"),
    ("nik impossible birth date", {"nik": "5171013208850001"}, "nik", "51************01"),
    ("nik woman impossible date", {"nik": "5171017202850001"}, "nik", "51************01"),
    ("nik serial 0000", {"nik": "5171011508850000"}, "nik", "51************00"),
    ("birth date not the nik's", {"nik": MAN_1985, "birth_date": "1985-08-16"}, "birth_date", "<hidden>"),
    ("sex not the nik's", {"nik": MAN_1985, "sex": "F"}, "sex", "F"),
    ("name with digits", {"name": "Budi 123"}, "name", "<hidden>"),
    ("name of one letter", {"name": "B"}, "name", "<hidden>"),
    ("name empty", {"name": ""}, "name", "<hidden>"),
    ("village unknown", {"village_code": "51.71.01.9999"}, "village_code", "51.71.01.9999"),
    ("village malformed", {"village_code": "5171011003"}, "village_code", "5171011003"),
    ("village served by no branch", {"village_code": "11.01.01.2001"}, "village_code", "11.01.01.2001"),
    ("branch not the village's", {"branch": "jambi"}, "branch", "jambi"),
    ("segment unknown", {"segment": "astronaut"}, "segment", "astronaut"),
    ("programmes without JKM", {"programmes": ["JKK"]}, "programmes", ["JKK"]),
    ("programme unknown", {"programmes": ["JKK", "JKM", "JP"]}, "programmes.2", "JP"),
    ("income bracket not configured", {"income_bracket": 1_234_567}, "income_bracket", 1_234_567),
    ("channel unknown", {"channel": "television"}, "channel", "television"),
    ("registered in the future", {"registered_on": "2099-01-01"}, "registered_on", "2099-01-01"),
    ("registered before the programme", {"registered_on": "2014-06-30"}, "registered_on", "2014-06-30"),
    ("registered on no date", {"registered_on": "2026-02-30"}, "registered_on", "2026-02-30"),
    ("client id not a uuid", {"client_id": "abc"}, "client_id", "abc"),
    ("unknown field", {"colour": "blue"}, "colour", "blue"),
]


@pytest.mark.parametrize(
    ("override", "field", "value"),
    [case[1:] for case in REGISTRATION_CASES],
    ids=[case[0] for case in REGISTRATION_CASES],
)
async def test_a_registration_breaking_a_rule_is_rejected_naming_field_and_value(
    api: Api, override: dict[str, Any], field: str, value: Any
) -> None:
    response = await api.register(worker(**override))

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert {"field": field, "value": value} == {k: problem["errors"][0][k] for k in ("field", "value")}
    assert problem["errors"][0]["reason"]
    if "nik" in override:
        assert override["nik"] not in response.text


async def test_a_missing_required_field_is_named(api: Api) -> None:
    body = worker()
    del body["segment"]
    response = await api.register(body)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "segment"


async def test_a_village_of_another_branch_is_forbidden_to_the_team(api: Api) -> None:
    response = await api.register(worker(village_code=SUNGAI_BAUNG))

    assert response.status_code == 403
    assert "jambi" in response.json()["detail"]


CONTRIBUTION_CASES: list[tuple[str, dict[str, Any], str, Any]] = [
    ("months not allowed", {"months": 2}, "months", 2),
    ("month malformed", {"first_month": "2026-13"}, "first_month", "2026-13"),
    ("payer unknown", {"payer_type": "boss"}, "payer_type", "boss"),
    ("channel unknown", {"channel": "pigeon"}, "channel", "pigeon"),
    ("paid in the future", {"paid_on": "2099-01-01"}, "paid_on", "2099-01-01"),
    ("paid before registration", {"paid_on": "2026-01-09"}, "paid_on", "2026-01-09"),
    ("month before registration", {"first_month": "2025-12", "amount": 16_800}, "first_month", "2025-12"),
    ("month far ahead", {"first_month": "2026-03"}, "first_month", "2026-03"),
    ("amount not the rate", {"amount": 16_000}, "amount", 16_000),
    ("campaign not a uuid", {"campaign_id": "booth-1"}, "campaign_id", "booth-1"),
]


@pytest.mark.parametrize(
    ("override", "field", "value"),
    [case[1:] for case in CONTRIBUTION_CASES],
    ids=[case[0] for case in CONTRIBUTION_CASES],
)
async def test_a_contribution_breaking_a_rule_is_rejected_naming_field_and_value(
    api: Api, override: dict[str, Any], field: str, value: Any
) -> None:
    participant_id = await api.participant()
    response = await api.pay(payment(participant_id, **override))

    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert (error["field"], error["value"]) == (field, value)


async def test_a_wrong_amount_states_the_expected_and_the_given_amount(api: Api) -> None:
    participant_id = await api.participant()
    response = await api.pay(payment(participant_id, months=3, amount=16_800))

    assert response.status_code == 422
    problem = response.json()
    assert (problem["expected"], problem["given"]) == (50_400, 16_800)
    assert "50400" in problem["detail"]


async def test_a_payment_for_an_unknown_participant_is_404(api: Api) -> None:
    response = await api.pay(payment("00000000-0000-4000-8000-000000000000"))

    assert response.status_code == 404
