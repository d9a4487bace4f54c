"""The one composition root of the metrics service."""

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from jangkau_metrics import service
from jangkau_metrics.adapters.lag import watch_lag
from jangkau_metrics.adapters.pipeline import PipelineCollector, PipelineStats
from jangkau_metrics.adapters.plan_file import read_plan
from jangkau_metrics.adapters.prometheus import CoverageCollector
from jangkau_metrics.adapters.sql import SqlCoverageStore
from jangkau_metrics.config import MetricsSettings
from jangkau_metrics.domain.snapshot import Snapshot
from jangkau_shared import db, kafka
from jangkau_shared.observability import UptimeCollector

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE = "metrics"

Clock = Callable[[], date]


def local_today(utc_offset_hours: int) -> Clock:
    """A clock giving today's date at a fixed UTC offset (Indonesia has no daylight saving)."""
    zone = timedelta(hours=utc_offset_hours)
    return lambda: (datetime.now(UTC) + zone).date()


@dataclass
class Metrics:
    """The assembled service: store, in-memory snapshot, broker, registry and clock."""

    settings: MetricsSettings
    engine: AsyncEngine
    store: SqlCoverageStore
    snapshot: Snapshot
    stats: PipelineStats
    registry: CollectorRegistry
    broker: KafkaBroker
    clock: Clock
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _lag_task: "asyncio.Task[None] | None" = None

    async def start(self) -> None:
        """Load the counts from the store, then start consuming and measuring lag."""
        await kafka.ensure_topics(self.settings)
        await service.load_snapshot(store=self.store, snapshot=self.snapshot)
        await self.broker.start()
        self._stop.clear()
        from jangkau_metrics.entrypoints.consumer import consumer_groups

        self._lag_task = asyncio.create_task(
            watch_lag(
                self.settings,
                self.stats,
                groups=consumer_groups(self.settings),
                every=self.settings.lag_interval_seconds,
                stop=self._stop,
            )
        )

    async def stop(self) -> None:
        """Stop consuming (in-flight batches finish first) and close the pool."""
        self._stop.set()
        if self._lag_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._lag_task
            self._lag_task = None
        await self.broker.stop()
        await self.engine.dispose()

    async def ready(self) -> bool:
        """Return True when the database answers."""
        return await db.ping(self.engine)


def bootstrap(
    settings: MetricsSettings, *, broker: KafkaBroker | None = None, clock: Clock | None = None
) -> Metrics:
    """Assemble the service and subscribe its consumers; nothing connects until ``start``."""
    from jangkau_metrics.entrypoints.consumer import subscribe

    engine = db.create_engine(settings)
    snapshot, stats = Snapshot(plan=read_plan(settings.coverage_plan)), PipelineStats()
    today = clock or local_today(settings.utc_offset_hours)
    registry = CollectorRegistry()
    for collector in (UptimeCollector(SERVICE), CoverageCollector(snapshot, today), PipelineCollector(stats)):
        registry.register(collector)
    metrics = Metrics(
        settings=settings,
        engine=engine,
        store=SqlCoverageStore(engine),
        snapshot=snapshot,
        stats=stats,
        registry=registry,
        broker=broker or kafka.create_broker(settings),
        clock=today,
    )
    subscribe(metrics)
    return metrics
