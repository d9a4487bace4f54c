"""Registration batches on the real database: duplicates inside a batch, races between batches."""

import asyncio

import pytest
from registration_helpers import Api, new_nik, worker

from jangkau_registration.adapters.tables import client_answers, outbox, participants

pytestmark = pytest.mark.integration


async def _batch(api: Api, items: list[dict[str, object]]) -> list[dict[str, object]]:
    response = await api.http.post("/v1/registrations:batch", json={"items": items}, headers=api.denpasar)
    assert response.status_code == 200, response.text
    results: list[dict[str, object]] = response.json()["results"]
    return results


async def test_a_nik_or_client_id_repeated_inside_a_batch_is_answered_as_if_sent_afterwards(api: Api) -> None:
    first = worker()
    same_nik = worker(nik=first["nik"])
    other_content = {**worker(), "client_id": first["client_id"]}

    results = await _batch(api, [first, same_nik, first, other_content])

    assert [r["status"] for r in results] == ["created", "already_registered", "created", "conflict"]
    assert results[1]["participant_id"] == results[0]["participant_id"]
    assert results[2]["replayed"] is True
    assert results[2]["participant_id"] == results[0]["participant_id"]
    assert await api.count(participants) == 1
    assert await api.count(outbox) == 1
    assert await api.count(client_answers) == 2


async def test_concurrent_batches_sharing_niks_store_each_worker_once_and_answer_every_item(api: Api) -> None:
    niks = [new_nik() for _ in range(40)]
    batches = [[worker(nik=nik) for nik in order] for order in (niks, niks[::-1], niks[::2], niks[1::3])]

    answered = await asyncio.gather(*(_batch(api, items) for items in batches))

    by_nik: dict[str, set[object]] = {}
    for items, results in zip(batches, answered, strict=True):
        assert len(results) == len(items)
        assert {r["status"] for r in results} <= {"created", "already_registered"}
        for item, result in zip(items, results, strict=True):
            by_nik.setdefault(str(item["nik"]), set()).add(result["participant_id"])
    assert all(len(ids) == 1 for ids in by_nik.values())
    created = sum(r["status"] == "created" for results in answered for r in results)
    assert created == len(niks)
    assert await api.count(participants) == len(niks)
    assert await api.count(outbox) == len(niks)
