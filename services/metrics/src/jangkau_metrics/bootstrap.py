"""The one composition root of the metrics service."""

from dataclasses import dataclass
from pathlib import Path

from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from jangkau_metrics import service
from jangkau_metrics.adapters.prometheus import CoverageCollector, PipelineCollector, PipelineStats
from jangkau_metrics.adapters.sql import SqlCoverageStore
from jangkau_metrics.config import MetricsSettings
from jangkau_metrics.domain.coverage import CoverageSnapshot
from jangkau_shared import db, kafka
from jangkau_shared.observability import UptimeCollector

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE = "metrics"


@dataclass
class Metrics:
    """The assembled service: store, in-memory snapshot, broker and registry."""

    settings: MetricsSettings
    engine: AsyncEngine
    store: SqlCoverageStore
    snapshot: CoverageSnapshot
    stats: PipelineStats
    registry: CollectorRegistry
    broker: KafkaBroker

    async def start(self) -> None:
        """Load the counts from the store, then start consuming."""
        await kafka.ensure_topics(self.settings)
        await service.load_snapshot(store=self.store, snapshot=self.snapshot)
        await self.broker.start()

    async def stop(self) -> None:
        """Stop consuming (in-flight batches finish first) and close the pool."""
        await self.broker.stop()
        await self.engine.dispose()

    async def ready(self) -> bool:
        """Return True when the database answers."""
        return await db.ping(self.engine)


def bootstrap(settings: MetricsSettings, *, broker: KafkaBroker | None = None) -> Metrics:
    """Assemble the service and subscribe its consumers; nothing connects until ``start``."""
    from jangkau_metrics.entrypoints.consumer import subscribe

    engine = db.create_engine(settings)
    snapshot, stats = CoverageSnapshot(), PipelineStats()
    registry = CollectorRegistry()
    for collector in (UptimeCollector(SERVICE), CoverageCollector(snapshot), PipelineCollector(stats)):
        registry.register(collector)
    metrics = Metrics(
        settings=settings,
        engine=engine,
        store=SqlCoverageStore(engine),
        snapshot=snapshot,
        stats=stats,
        registry=registry,
        broker=broker or kafka.create_broker(settings),
    )
    subscribe(metrics)
    return metrics
