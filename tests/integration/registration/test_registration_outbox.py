"""The outbox relay on real Kafka: nothing missing after a crash, no row published by two relays."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from registration_helpers import Api, new_nik, payment, worker
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from jangkau_registration.adapters.tables import outbox
from jangkau_registration.bootstrap import Registration
from jangkau_shared import kafka, topics
from jangkau_shared.envelope import decode
from jangkau_shared.outbox import OutboxRelay
from support import eventually

pytestmark = pytest.mark.integration


class CrashAfterPublish(OutboxRelay):
    """A relay whose database connection dies after the broker acknowledged, before mark-sent."""

    async def _mark_sent(self, conn: AsyncConnection, ids: list[int]) -> None:
        raise OSError("connection lost between publish and mark-sent")


class RecordingRelay(OutboxRelay):
    """A relay that remembers which rows it sent."""

    sent: list[int]

    async def _send_all(self, rows: Any) -> None:
        rows = list(rows)
        await super()._send_all(rows)
        self.sent.extend(row.id for row in rows)


def _relay(reg: Registration, cls: type[OutboxRelay] = OutboxRelay, **options: Any) -> OutboxRelay:
    return cls(reg.engine, lambda: kafka.create_producer(reg.settings), outbox, **options)


def _recording(reg: Registration) -> RecordingRelay:
    relay = RecordingRelay(reg.engine, lambda: kafka.create_producer(reg.settings), outbox, batch_size=7)
    relay.sent = []
    return relay


async def _fill(api: Api, count: int) -> None:
    items = [worker() for _ in range(count)]
    response = await api.http.post("/v1/registrations:batch", json={"items": items}, headers=api.denpasar)
    assert {r["status"] for r in response.json()["results"]} == {"created"}


async def _unsent(reg: Registration) -> int:
    async with reg.engine.connect() as conn:
        query = select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        return int((await conn.execute(query)).scalar_one())


async def _event_ids(reg: Registration) -> set[str]:
    async with reg.engine.connect() as conn:
        return {str(e) for e in (await conn.execute(select(outbox.c.event_id))).scalars()}


async def _read_topic(reg: Registration, topic: str, at_least: int) -> list[Any]:
    consumer = AIOKafkaConsumer(
        reg.settings.topic(topic),
        bootstrap_servers=reg.settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[Any] = []
    try:

        async def poll() -> int:
            batch = await consumer.getmany(timeout_ms=200)
            records.extend(r for rs in batch.values() for r in rs)
            return len(records)

        await eventually(poll, until=lambda n: n >= at_least, what=f"{at_least} records on {topic}")
        await poll()  # anything beyond, e.g. duplicates
    finally:
        await consumer.stop()
    return records


def _ids(records: list[Any]) -> list[str]:
    return [dict(r.headers)["ce_id"].decode() for r in records]


async def _run_until_drained(reg: Registration, *relays: OutboxRelay) -> None:
    stop = asyncio.Event()
    for relay in relays:
        await relay.start()
    tasks = [asyncio.create_task(relay.run(stop)) for relay in relays]
    try:
        await eventually(lambda: _unsent(reg), until=lambda n: n == 0, what="outbox drained")
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        for relay in relays:
            await relay.stop()


@pytest.fixture
async def api_with_topics(api: Api) -> Api:
    await kafka.ensure_topics(api.reg.settings)
    return api


async def test_events_reach_kafka_keyed_by_participant_without_personal_data(api_with_topics: Api) -> None:
    api = api_with_topics
    nik = new_nik()
    participant_id = await api.participant(nik=nik, name="Wayan Rahasia")
    await api.pay(payment(participant_id))
    await _run_until_drained(api.reg, _relay(api.reg))

    registered = await _read_topic(api.reg, topics.WORKER_REGISTERED, 1)
    paid = await _read_topic(api.reg, topics.CONTRIBUTION_PAID, 1)
    for record in registered + paid:
        assert record.key == participant_id.encode()
        assert nik.encode() not in record.value
        assert b"Rahasia" not in record.value
        decode(record.headers, record.value)
    assert registered[0].partition == paid[0].partition


async def test_a_relay_crashing_between_publish_and_mark_sent_loses_nothing(api_with_topics: Api) -> None:
    api = api_with_topics
    await _fill(api, 30)
    crashing = _relay(api.reg, CrashAfterPublish)
    await crashing.start()
    with pytest.raises(OSError, match="between publish and mark-sent"):
        await crashing.publish_batch()
    await crashing.stop()
    assert await _unsent(api.reg) == 30

    await _run_until_drained(api.reg, _relay(api.reg))  # the restarted relay

    records = await _read_topic(api.reg, topics.WORKER_REGISTERED, 60)
    assert set(_ids(records)) == await _event_ids(api.reg)
    assert len(records) == 60  # each event twice, with the same id: consumers dedupe on it


async def test_two_relays_never_publish_the_same_row(api_with_topics: Api) -> None:
    api = api_with_topics
    await _fill(api, 300)
    first, second = (
        _relay(api.reg, RecordingRelay, batch_size=7),
        _relay(api.reg, RecordingRelay, batch_size=7),
    )
    first.sent, second.sent = [], []  # type: ignore[attr-defined]

    await _run_until_drained(api.reg, first, second)

    sent_by_first, sent_by_second = set(first.sent), set(second.sent)
    assert sent_by_first, "both relays should have worked"
    assert sent_by_second, "both relays should have worked"
    assert not sent_by_first & sent_by_second
    records = await _read_topic(api.reg, topics.WORKER_REGISTERED, 300)
    assert len(records) == len(set(_ids(records))) == 300


async def test_a_restarted_relay_resumes_with_what_was_written_while_it_was_down(
    api_with_topics: Api, make_registration: Callable[..., Awaitable[Registration]]
) -> None:
    api = api_with_topics
    await _fill(api, 5)
    await _run_until_drained(api.reg, _relay(api.reg))
    await _fill(api, 7)  # the relay is down
    service = await make_registration(run_relay=True)  # a whole service restarting, relay inside

    await eventually(lambda: _unsent(service), until=lambda n: n == 0, what="backlog published after restart")

    records = await _read_topic(api.reg, topics.WORKER_REGISTERED, 12)
    assert sorted(_ids(records)) == sorted(await _event_ids(api.reg))


async def test_the_api_answers_only_after_the_event_is_committed(api_with_topics: Api) -> None:
    api = api_with_topics
    response = await api.register(worker(), headers=api.everywhere)

    assert response.status_code == 201
    assert await _unsent(api.reg) == 1
