"""Team tokens: 401 without a valid one, 403 outside the branches, other branches look missing."""

import pytest
from registration_helpers import SUNGAI_BAUNG, Api, bearer, payment, worker

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer"}, {"Authorization": "Basic abc"}, bearer("jk_not-a-real-token")],
    ids=["no header", "empty bearer", "other scheme", "unknown token"],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/registrations"),
        ("POST", "/v1/registrations:batch"),
        ("POST", "/v1/contributions"),
        ("POST", "/v1/contributions:batch"),
        ("GET", "/v1/participants/00000000-0000-4000-8000-000000000000"),
    ],
)
async def test_every_endpoint_answers_401_without_a_valid_token(
    api: Api, headers: dict[str, str], method: str, path: str
) -> None:
    response = await api.http.request(method, path, json={"items": []}, headers=headers)

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_revoked_token_answers_401(api: Api) -> None:
    token_id, token = await api.reg.tokens.create("gone", ["denpasar"])
    assert (await api.register(worker(), headers=bearer(token))).status_code == 201
    await api.reg.tokens.revoke(token_id)

    assert (await api.register(worker(), headers=bearer(token))).status_code == 401


async def test_a_team_may_register_in_its_branch_only(api: Api) -> None:
    jambi_worker = worker(village_code=SUNGAI_BAUNG)

    assert (await api.register(jambi_worker, headers=api.denpasar)).status_code == 403
    assert (await api.register(jambi_worker, headers=api.jambi)).status_code == 201
    assert (await api.register(worker(), headers=api.everywhere)).status_code == 201


async def test_a_participant_of_another_branch_reads_as_missing(api: Api) -> None:
    participant_id = await api.participant()
    path = f"/v1/participants/{participant_id}"

    theirs = await api.http.get(path, headers=api.jambi)
    missing = await api.http.get("/v1/participants/00000000-0000-4000-8000-000000000000", headers=api.jambi)

    assert (await api.http.get(path, headers=api.denpasar)).status_code == 200
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["title"] == missing.json()["title"]


async def test_a_payment_for_another_branchs_participant_reads_as_missing(api: Api) -> None:
    participant_id = await api.participant()

    response = await api.pay(payment(participant_id), headers=api.jambi)

    assert response.status_code == 404
    assert (await api.pay(payment(participant_id), headers=api.denpasar)).status_code == 201


async def test_a_batch_answers_forbidden_for_items_outside_the_branches(api: Api) -> None:
    items = [worker(), worker(village_code=SUNGAI_BAUNG)]
    response = await api.http.post("/v1/registrations:batch", json={"items": items}, headers=api.jambi)

    assert [(r["status"], r["http_status"]) for r in response.json()["results"]] == [
        ("forbidden", 403),
        ("created", 201),
    ]
