"""Registrations over HTTP on the real database: create, replay, conflicts, batches, limits."""

import asyncio
from uuid import uuid4

import pytest
from registration_helpers import Api, new_nik, worker
from sqlalchemy import select

from jangkau_registration.adapters.tables import client_answers, outbox, participants

pytestmark = pytest.mark.integration


async def test_a_registration_is_stored_with_its_event_and_answers_the_participant_id(api: Api) -> None:
    response = await api.register(worker())

    assert response.status_code == 201, response.text
    assert response.json()["status"] == "created"
    assert await api.count(participants) == 1
    assert await api.count(outbox) == 1


async def test_the_nik_is_stored_encrypted_and_only_its_keyed_hash_is_searchable(api: Api) -> None:
    nik = new_nik()
    await api.register(worker(nik=nik, name="Ketut Rahasia"))

    async with api.reg.engine.connect() as conn:
        row = (await conn.execute(select(participants))).one()
    stored = b"".join(v for v in row if isinstance(v, bytes))
    assert nik.encode() not in stored
    assert b"Rahasia" not in stored
    assert api.reg.vault.open(row.nik_cipher, context=b"nik") == nik


async def test_replaying_a_client_id_returns_the_first_answer_and_emits_no_second_event(api: Api) -> None:
    body = worker()
    first = await api.register(body)
    again = await api.register(body)

    assert again.status_code == first.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await api.count(outbox) == 1


async def test_reusing_a_client_id_for_different_content_is_a_conflict(api: Api) -> None:
    body = worker()
    await api.register(body)
    response = await api.register(body | {"segment": "farmer"})

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert body["client_id"] in response.json()["detail"]


async def test_a_second_registration_of_a_nik_answers_409_with_only_the_existing_participant(
    api: Api,
) -> None:
    nik = new_nik()
    first = await api.register(worker(nik=nik))
    second = await api.register(worker(nik=nik, name="Another Name"))

    assert second.status_code == 409
    problem = second.json()
    assert problem["participant_id"] == first.json()["participant_id"]
    assert nik not in second.text
    assert "Name" not in second.text
    assert await api.count(outbox) == 1


async def test_concurrent_registrations_of_one_nik_make_one_participant(api: Api) -> None:
    nik = new_nik()
    responses = await asyncio.gather(*(api.register(worker(nik=nik)) for _ in range(8)))

    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 7
    assert len({r.json()["participant_id"] for r in responses}) == 1
    assert await api.count(participants) == 1
    assert await api.count(outbox) == 1


async def test_concurrent_replays_of_one_item_answer_alike_and_store_once(api: Api) -> None:
    body = worker()
    responses = await asyncio.gather(*(api.register(body) for _ in range(6)))

    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["participant_id"] for r in responses}) == 1
    assert await api.count(outbox) == 1


async def test_a_batch_stores_the_good_items_and_answers_each_item(api: Api) -> None:
    known = new_nik()
    await api.register(worker(nik=known))
    items = [
        worker(),
        worker(nik="1234"),
        worker(nik=known),
        worker(village_code="15.04.03.2015"),
        {"client_id": "not-a-uuid"},
        worker(),
    ]
    response = await api.http.post("/v1/registrations:batch", json={"items": items}, headers=api.denpasar)

    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == [
        "created",
        "invalid",
        "already_registered",
        "forbidden",
        "invalid",
        "created",
    ]
    assert [r["index"] for r in results] == list(range(6))
    assert results[1]["errors"][0]["field"] == "nik"
    assert results[1]["errors"][0]["value"] != "1234"
    assert {e["field"] for e in results[4]["errors"]} >= {"client_id", "nik", "name"}
    assert await api.count(participants) == 3


async def test_a_replayed_batch_creates_nothing_new(api: Api) -> None:
    items = [worker() for _ in range(20)]
    first = await api.http.post("/v1/registrations:batch", json={"items": items}, headers=api.denpasar)
    again = await api.http.post("/v1/registrations:batch", json={"items": items}, headers=api.denpasar)

    ids = [r["participant_id"] for r in first.json()["results"]]
    assert [r["participant_id"] for r in again.json()["results"]] == ids
    assert all(r["replayed"] for r in again.json()["results"])
    assert await api.count(outbox) == 20
    assert await api.count(client_answers) == 20


async def test_a_batch_of_more_than_1000_items_answers_413_and_stores_nothing(api: Api) -> None:
    items = [{"client_id": str(uuid4())} for _ in range(1001)]
    response = await api.http.post("/v1/registrations:batch", json={"items": items}, headers=api.denpasar)

    assert response.status_code == 413
    assert response.json()["max_items"] == 1000
    assert await api.count(participants) == 0


async def test_a_body_over_two_mebibytes_answers_413(api: Api) -> None:
    body = worker(name="x" * (3 * 1024 * 1024))
    response = await api.register(body)

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_body_that_is_not_json_answers_a_422_problem(api: Api) -> None:
    response = await api.http.post(
        "/v1/registrations", content=b"{not json", headers=api.denpasar | {"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_the_openapi_document_describes_every_endpoint_field_and_error(api: Api) -> None:
    spec = (await api.http.get("/openapi.json")).json()

    paths = spec["paths"]
    assert set(paths) == {
        "/v1/registrations",
        "/v1/registrations:batch",
        "/v1/contributions",
        "/v1/contributions:batch",
        "/v1/participants/{participant_id}",
        "/v1/participants/{participant_id}/quote",
    }
    for path in paths.values():
        for operation in path.values():
            assert operation.get("description") or operation.get("summary")
            assert {"401", "413", "422"} <= set(operation["responses"])
    for parameter in paths["/v1/participants/{participant_id}/quote"]["get"]["parameters"]:
        assert parameter.get("description") or parameter["name"] == "participant_id", parameter
    for name in ("RegistrationIn", "ContributionIn", "QuoteOut", "QuotedMonthOut"):
        fields = spec["components"]["schemas"][name]["properties"]
        undocumented = [f for f, schema in fields.items() if not schema.get("description")]
        assert undocumented == [], name


async def test_a_full_batch_of_1000_registrations_is_stored_item_by_item(api: Api) -> None:
    items = [worker() for _ in range(1000)]
    response = await api.http.post("/v1/registrations:batch", json={"items": items}, headers=api.denpasar)

    assert response.status_code == 200
    assert {r["status"] for r in response.json()["results"]} == {"created"}
    assert await api.count(participants) == 1000


async def test_the_openapi_document_shows_batch_items_as_the_single_item_schema(api: Api) -> None:
    spec = (await api.http.get("/openapi.json")).json()

    body = spec["paths"]["/v1/contributions:batch"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["properties"]["items"]["items"] == {"$ref": "#/components/schemas/ContributionIn"}
    assert body["schema"]["properties"]["items"]["maxItems"] == 1000
