"""The one composition root of the metrics service."""

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import structlog
from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from jangkau_metrics import service
from jangkau_metrics.adapters.lag import watch_lag
from jangkau_metrics.adapters.pipeline import PipelineCollector, PipelineStats
from jangkau_metrics.adapters.plan_file import read_plan
from jangkau_metrics.adapters.prometheus import CoverageCollector
from jangkau_metrics.adapters.sql import SqlCoverageStore
from jangkau_metrics.config import MetricsSettings
from jangkau_metrics.domain.snapshot import Snapshot
from jangkau_metrics.domain.view import View
from jangkau_metrics.ports import Branches
from jangkau_shared import db, kafka
from jangkau_shared.observability import UptimeCollector
from jangkau_shared.places import ReferencePlaces

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE = "metrics"
#: A failed read of the count tables is retried after this long (the counts served stay as they were).
VIEW_RETRY_SECONDS = 1.0

log = structlog.get_logger(__name__)

Clock = Callable[[], date]


def local_today(utc_offset_hours: int) -> Clock:
    """A clock giving today's date at a fixed UTC offset (Indonesia has no daylight saving)."""
    zone = timedelta(hours=utc_offset_hours)
    return lambda: (datetime.now(UTC) + zone).date()


@dataclass
class Metrics:
    """The assembled service: store, the view of its counts, broker, registry and clock."""

    settings: MetricsSettings
    engine: AsyncEngine
    store: SqlCoverageStore
    view: View
    stats: PipelineStats
    registry: CollectorRegistry
    broker: KafkaBroker
    clock: Clock
    branches: Branches = field(default_factory=ReferencePlaces)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _reading: asyncio.Lock = field(default_factory=asyncio.Lock)
    _tasks: list["asyncio.Task[None]"] = field(default_factory=list)

    @property
    def snapshot(self) -> Snapshot:
        """The counts served for today and later days, as last read from the store."""
        return self.view.snapshot

    async def start(self) -> None:
        """Read the counts and follow them, while the consumers join their groups; measure lag.

        The first read of every count row and the consumers' start (topics made or checked,
        consumers started) overlap: a new instance answers exactly as soon as both are done. A
        batch committed meanwhile waits for the first read to take its counts.
        """
        self._stop.clear()
        await asyncio.gather(self.refresh(), self._start_consuming())
        self._tasks = [asyncio.create_task(self._follow())]
        if self.settings.compact_seconds:
            self._tasks.append(asyncio.create_task(self._compact()))
        from jangkau_metrics.entrypoints.consumer import consumer_groups

        self._tasks.append(
            asyncio.create_task(
                watch_lag(
                    self.settings,
                    self.stats,
                    groups=consumer_groups(self.settings),
                    every=self.settings.lag_interval_seconds,
                    stop=self._stop,
                )
            )
        )

    async def _start_consuming(self) -> None:
        await kafka.ensure_topics(self.settings)
        await self.broker.start()

    async def stop(self) -> None:
        """Stop consuming (in-flight batches finish first), following and measuring; close the pool."""
        self._stop.set()
        self._changed.set()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self.broker.stop()
        await self.engine.dispose()

    async def ready(self) -> bool:
        """Return True when the counts have been read and the database answers."""
        return self.view.loaded and await db.ping(self.engine)

    async def refresh(self) -> None:
        """Read the count rows changed since the last read (one read at a time: horizons in order)."""
        async with self._reading:
            await service.refresh_view(store=self.store, view=self.view)
            self.stats.view_refreshed_at = time.time()

    async def refresh_after_commit(self) -> None:
        """Read the counts this instance just committed; on failure the follower tries again."""
        if not await self._try_refresh():
            self._changed.set()

    async def _try_refresh(self) -> bool:
        """Refresh; a database failure is counted and logged, and the counts served stay as they were."""
        try:
            await self.refresh()
        except (DBAPIError, OSError, TimeoutError) as err:
            self.stats.view_failures += 1
            log.warning("view_refresh_failed", error=type(err).__name__, detail=str(err)[:300])
            return False
        return True

    async def compact(self) -> int:
        """One compaction pass over the count tables; the rows moved (0 when another instance
        is compacting). Counts do not move (each key's sum stays): the view reads nothing new."""
        return await self.store.compact(self.settings.compact_pages) or 0

    async def _compact(self) -> None:
        every = self.settings.compact_seconds
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), every)
            if self._stop.is_set():
                return
            try:
                moved = await self.compact()
            except (DBAPIError, OSError, TimeoutError) as err:
                log.warning("compaction_failed", error=type(err).__name__, detail=str(err)[:300])
                continue
            if moved:
                log.info("count_rows_compacted", rows=moved)

    async def _follow(self) -> None:
        every = self.settings.view_refresh_seconds
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), every)
            self._changed.clear()
            if not await self._try_refresh():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), VIEW_RETRY_SECONDS)


def bootstrap(
    settings: MetricsSettings, *, broker: KafkaBroker | None = None, clock: Clock | None = None
) -> Metrics:
    """Assemble the service and subscribe its consumers; nothing connects until ``start``."""
    from jangkau_metrics.entrypoints.consumer import subscribe

    engine = db.create_engine(settings)
    view, stats = View(Snapshot(plan=read_plan(settings.coverage_plan))), PipelineStats()
    today = clock or local_today(settings.utc_offset_hours)
    registry = CollectorRegistry()
    for collector in (UptimeCollector(SERVICE), CoverageCollector(view, today), PipelineCollector(stats)):
        registry.register(collector)
    metrics = Metrics(
        settings=settings,
        engine=engine,
        store=SqlCoverageStore(engine),
        view=view,
        stats=stats,
        registry=registry,
        broker=broker or kafka.create_broker(settings),
        clock=today,
    )
    subscribe(metrics)
    return metrics
