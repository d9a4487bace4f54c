"""The one composition root of the campaigns service: tests pass their own parts."""

import asyncio
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import structlog
from aiokafka.errors import KafkaError
from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from jangkau_campaigns import service
from jangkau_campaigns.adapters.prometheus import PipelineCollector, PipelineStats
from jangkau_campaigns.adapters.sql import SqlUnitOfWork
from jangkau_campaigns.adapters.tables import api_tokens, outbox
from jangkau_campaigns.config import CampaignsSettings
from jangkau_campaigns.ports import Places, StoredRecord
from jangkau_shared import db, kafka
from jangkau_shared.auth import TokenStore
from jangkau_shared.deadletter import Rejected, dead_letter
from jangkau_shared.observability import UptimeCollector
from jangkau_shared.outbox import OutboxRelay, RelayCollector
from jangkau_shared.places import ReferencePlaces, build_index

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE = "campaigns"
log = structlog.get_logger(__name__)


def utc_now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


@dataclass
class Campaigns:
    """The assembled service: engine, tokens, relay, broker, pipeline stats and registry."""

    settings: CampaignsSettings
    engine: AsyncEngine
    tokens: TokenStore
    relay: OutboxRelay
    broker: KafkaBroker
    stats: PipelineStats
    registry: CollectorRegistry
    places: Places = field(default_factory=ReferencePlaces)
    now: Callable[[], datetime] = utc_now
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def uow(self) -> SqlUnitOfWork:
        """Return a fresh unit of work; committing events wakes the relay."""
        return SqlUnitOfWork(
            self.engine,
            source=self.settings.event_source,
            topic_prefix=self.settings.kafka_topic_prefix,
            on_events_committed=self.relay.wake,
        )

    async def start(self) -> None:
        """Create topics, then start the relay, the consumers and the parked-event sweeper."""
        await build_index()
        if self.settings.run_relay or self.settings.run_consumer:
            await kafka.ensure_topics(self.settings)
        if self.settings.run_relay:
            await self.relay.start()
            self._tasks.append(asyncio.create_task(self.relay.run(self._stop), name="outbox-relay"))
        if self.settings.run_consumer:
            await self.broker.start()
            self._tasks.append(asyncio.create_task(self._sweep_forever(), name="parked-sweeper"))

    async def stop(self) -> None:
        """Stop the tasks and consumers, flush the producer and close the pool."""
        self._stop.set()
        for task in self._tasks:
            with suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=10)
        await self.broker.stop()
        await self.relay.stop()
        await self.engine.dispose()

    async def ready(self) -> bool:
        """Return True when the database answers."""
        return await db.ping(self.engine)

    async def dead_letter(self, record: StoredRecord, reason: str) -> None:
        """Send a record to its dead-letter topic with the reason, and count it."""
        await dead_letter(self.broker, Rejected(record, reason), consumer=self.settings.consumer_group)
        self.stats.count_dead_lettered(record.topic)

    async def sweep(self) -> service.Swept:
        """Apply parked events whose campaign arrived; dead-letter expired ones."""
        swept = await service.sweep_parked(
            uow=self.uow, dead_letter=self.dead_letter, now=self.now, keep_for=self.settings.parked_ttl
        )
        self.stats.parked_now = swept.still_parked
        self.stats.expired_total += swept.expired
        return swept

    async def _sweep_forever(self) -> None:
        while not self._stop.is_set():
            try:
                await self.sweep()
            except (DBAPIError, KafkaError, OSError) as err:
                log.warning("parked_sweep_retry", error=type(err).__name__)
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self.settings.sweep_interval_seconds)


def bootstrap(settings: CampaignsSettings, *, broker: KafkaBroker | None = None) -> Campaigns:
    """Assemble the service and subscribe its consumers; nothing connects until ``start``."""
    from jangkau_campaigns.entrypoints.consumer import subscribe

    engine = db.create_engine(settings)
    relay = OutboxRelay(engine, lambda: kafka.create_producer(settings), outbox)
    stats = PipelineStats()
    registry = CollectorRegistry()
    for collector in (
        UptimeCollector(SERVICE),
        RelayCollector(SERVICE, relay.stats),
        PipelineCollector(stats),
    ):
        registry.register(collector)
    campaigns = Campaigns(
        settings=settings,
        engine=engine,
        tokens=TokenStore(engine, api_tokens),
        relay=relay,
        broker=broker or kafka.create_broker(settings),
        stats=stats,
        registry=registry,
    )
    subscribe(campaigns)
    return campaigns
