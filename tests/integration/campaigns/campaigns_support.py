"""Helpers of the campaigns integration tests: the service on the real stack, events, tokens."""

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from jangkau_campaigns.bootstrap import MIGRATIONS, Campaigns, bootstrap
from jangkau_campaigns.config import CampaignsSettings
from jangkau_campaigns.entrypoints.http import create_app
from jangkau_shared import db
from jangkau_shared.envelope import encode
from jangkau_shared.events import ContributionPaidV1, EventData, WorkerRegisteredV1
from support import Stack

SESETAN = "51.71.01.1003"
UBUNG_KAJA = "51.71.04.2008"
SUNGAI_BAUNG = "15.04.03.2015"  # Batanghari: branch jambi

Factory = Callable[..., Awaitable[Campaigns]]


async def started_campaigns(
    stack: Stack, database_url: str, topic_prefix: str, **overrides: Any
) -> Campaigns:
    """Migrate a database and start the service on it (relay, consumer and sweeper running)."""
    values: dict[str, Any] = {
        "environment": "test",
        "kafka_bootstrap_servers": stack.kafka,
        "kafka_topic_prefix": topic_prefix,
        "database_url": database_url,
        "consumer_group": f"{topic_prefix}campaigns",
        "sweep_interval_seconds": 0.2,
    }
    svc = bootstrap(CampaignsSettings(**(values | overrides)))
    await db.upgrade(svc.engine, MIGRATIONS)
    await svc.start()
    return svc


async def running(factory: Callable[[], Awaitable[Campaigns]]) -> AsyncIterator[Campaigns]:
    """Yield a started service and stop it afterwards."""
    svc = await factory()
    try:
        yield svc
    finally:
        await svc.stop()


async def api(svc: Campaigns, *, branches: list[str]) -> httpx.AsyncClient:
    """Return a client of the service's app with a token for ``branches``."""
    _, token = await svc.tokens.create(f"team-{'-'.join(branches)}", branches)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(svc)),
        base_url="http://test",
        headers={"Authorization": f"Bearer {token}"},
    )


def sesetan_booth(**changes: object) -> dict[str, object]:
    """The Sesetan Karnaval 2017 booth as a plan request."""
    body: dict[str, object] = {
        "branch": "denpasar",
        "name": "Booth Sesetan Karnaval 2017",
        "kind": "festival_booth",
        "village_codes": [SESETAN],
        "place": "Lapangan Pegok, Sesetan, Denpasar",
        "starts_on": "2017-08-13",
        "ends_on": "2017-08-17",
        "partners": ["Kelurahan Sesetan"],
        "target_registrations": 8,
        "target_first_payments": 4,
    }
    return body | changes


HELD = {"held_from": "2017-08-13", "held_to": "2017-08-17", "headcount": 3000, "notes": "busy"}


def registered(
    campaign_id: UUID | None,
    *,
    village: str = SESETAN,
    segment: str = "street_vendor",
    on: date = date(2017, 8, 14),
) -> WorkerRegisteredV1:
    """A registration taken at a campaign."""
    return WorkerRegisteredV1(
        participant_id=uuid4(),
        branch="denpasar",
        village_code=village,
        segment=segment,  # type: ignore[arg-type]
        programmes=["JKK", "JKM"],  # type: ignore[list-item]
        income_bracket=1_000_000,
        channel="booth",  # type: ignore[arg-type]
        campaign_id=campaign_id,
        registered_on=on,
        registered_at=datetime.now(UTC),
    )


def paid(
    who: WorkerRegisteredV1,
    *,
    first: str,
    months: int,
    through: str,
    on: date,
    campaign_id: UUID | None = None,
    payer: str = "self",
) -> ContributionPaidV1:
    """A contribution for ``who``."""
    return ContributionPaidV1(
        contribution_id=uuid4(),
        participant_id=who.participant_id,
        branch=who.branch,
        village_code=who.village_code,
        segment=who.segment,
        first_month=first,
        months=months,  # type: ignore[arg-type]
        paid_through=through,
        amount=16_800 * months,
        programmes=["JKK", "JKM"],  # type: ignore[list-item]
        payer_type=payer,  # type: ignore[arg-type]
        channel="booth",  # type: ignore[arg-type]
        campaign_id=campaign_id,
        paid_on=on,
        paid_at=datetime.now(UTC),
    )


async def publish(stack: Stack, topic_prefix: str, events: list[tuple[str, EventData]]) -> None:
    """Publish ``(event id, payload)`` pairs as the registration service would."""
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for event_id, data in events:
            record = encode(data, event_id=event_id, source="/jangkau/registration", time=datetime.now(UTC))
            await producer.send_and_wait(
                f"{topic_prefix}{record.topic}", record.value, key=record.key, headers=record.headers
            )
    finally:
        await producer.stop()


async def read_topic(stack: Stack, topic: str, *, at_least: int, timeout: float = 20.0) -> list[Any]:
    """Read records of ``topic`` from the start until ``at_least`` arrived or ``timeout`` passed."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=stack.kafka, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    records: list[Any] = []
    try:
        deadline = time.monotonic() + timeout
        while len(records) < at_least and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            records += [r for rs in batch.values() for r in rs]
    finally:
        await consumer.stop()
    return records
