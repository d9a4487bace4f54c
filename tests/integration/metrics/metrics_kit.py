"""Helpers of the metrics integration tests: a service on its own topics and database, events, scrapes."""

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest
from aiokafka import AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import create_async_engine

from jangkau_metrics.adapters.sql import SqlCoverageStore
from jangkau_metrics.bootstrap import MIGRATIONS, Metrics, bootstrap
from jangkau_metrics.config import MetricsSettings
from jangkau_shared import db
from jangkau_shared.envelope import encode
from jangkau_shared.events import (
    Channel,
    ContributionPaidV1,
    EventData,
    PayerType,
    Programme,
    Segment,
    WorkerRegisteredV1,
)
from jangkau_shared.observability import render
from support import Stack, eventually

SESETAN = "51.71.01.1003"
AT = datetime(2017, 8, 13, 9, 30, tzinfo=UTC)


@dataclass
class Clock:
    """A date the test moves by hand."""

    today: date

    def __call__(self) -> date:
        return self.today


#: Admin token of the metrics services these tests build (may set targets).
ADMIN_TOKEN = "test-only-metrics-admin-token"


def settings_for(stack: Stack, *, database_url: str, topic_prefix: str) -> MetricsSettings:
    """Settings of a metrics instance on the test's own topics, group and database."""
    return MetricsSettings(
        environment="test",
        kafka_bootstrap_servers=stack.kafka,
        kafka_topic_prefix=topic_prefix,
        database_url=database_url,
        consumer_group=f"{topic_prefix}metrics",
        admin_token=ADMIN_TOKEN,
        batch_max_records=50,
        lag_interval_seconds=0.5,
        retry_max_seconds=0.5,
    )


async def start_metrics(settings: MetricsSettings, clock: Clock) -> Metrics:
    """Migrate, assemble and start one metrics instance."""
    svc = bootstrap(settings, clock=clock)
    await db.upgrade(svc.engine, MIGRATIONS)
    await svc.start()
    return svc


@pytest.fixture(name="producer")
async def producer_fixture(stack: Stack) -> AsyncIterator[AIOKafkaProducer]:
    """A raw producer, to publish good and bad records alike."""
    client = AIOKafkaProducer(bootstrap_servers=stack.kafka, enable_idempotence=True, acks="all")
    await client.start()
    yield client
    await client.stop()


async def publish(producer: AIOKafkaProducer, prefix: str, events: Sequence[EventData]) -> None:
    """Publish events as the registry would (a fresh CloudEvents id each)."""
    for data in events:
        record = encode(data, event_id=str(uuid4()), source="/test", time=AT)
        await producer.send_and_wait(
            f"{prefix}{record.topic}", record.value, key=record.key, headers=record.headers
        )


def registration(
    pid: UUID, *, branch: str = "denpasar", campaign: UUID | None = None, on: date = date(2017, 8, 13)
) -> WorkerRegisteredV1:
    """A street vendor registered at the Sesetan booth."""
    return WorkerRegisteredV1(
        participant_id=pid,
        branch=branch,
        village_code=SESETAN,
        segment=Segment.STREET_VENDOR,
        programmes=[Programme.JKK, Programme.JKM],
        income_bracket=1_000_000,
        channel=Channel.BOOTH,
        campaign_id=campaign,
        registered_on=on,
        registered_at=AT,
    )


def payment(
    pid: UUID,
    *,
    first: str = "2017-08",
    months: int = 3,
    through: str = "2017-10",
    contribution: UUID | None = None,
    payer: PayerType = PayerType.SELF,
    branch: str = "denpasar",
    campaign: UUID | None = None,
    on: date = date(2017, 8, 13),
) -> ContributionPaidV1:
    """A contribution of Rp 16,800 a month."""
    return ContributionPaidV1(
        contribution_id=contribution or uuid4(),
        participant_id=pid,
        branch=branch,
        village_code=SESETAN,
        segment=Segment.STREET_VENDOR,
        first_month=first,
        months=months,  # type: ignore[arg-type]
        paid_through=through,
        amount=16_800 * months,
        programmes=[Programme.JKK, Programme.JKM],
        payer_type=payer,
        channel=Channel.BOOTH,
        campaign_id=campaign,
        paid_on=on,
        paid_at=AT,
    )


def samples(metrics: Metrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of /metrics, by name and labels."""
    text = render(metrics.registry).decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(metrics: Metrics, name: str, **labels: str) -> float:
    """One sample's value (0 when absent)."""
    return samples(metrics).get((name, frozenset(labels.items())), 0.0)


def states(metrics: Metrics, branch: str = "denpasar") -> dict[str, float]:
    """Non-zero participant states of a branch (summed over segments), plus registered."""
    out: dict[str, float] = {}
    for (name, labels), v in samples(metrics).items():
        lab = dict(labels)
        if name == "jangkau_participants" and lab["branch"] == branch and v:
            out[lab["state"]] = out.get(lab["state"], 0) + v
    out["registered"] = value(metrics, "jangkau_participants_registered", branch=branch)
    return out


async def settle(
    metrics: Metrics, *, applied: int, what: str, check: Callable[[], bool] = lambda: True
) -> None:
    """Wait until at least ``applied`` events were committed and ``check`` holds."""

    async def probe() -> tuple[int, bool]:
        return sum(metrics.stats.applied.values()), check()

    await eventually(probe, until=lambda r: r[0] >= applied and r[1], what=what)


Factory = Callable[[], Awaitable[str]]


@pytest.fixture(name="store")
async def store_fixture(new_database: Factory) -> AsyncIterator[SqlCoverageStore]:
    """The metrics store on a new, migrated database of its own."""
    engine = create_async_engine(await new_database())
    try:
        await db.upgrade(engine, MIGRATIONS)
        yield SqlCoverageStore(engine)
    finally:
        await engine.dispose()
