"""The metrics fold on preloaded topics: raw consume, the service (FastStream), the same fold on plain
aiokafka, the replay, and the size of the counts it keeps (#1, #2, #5, #7a)."""

import asyncio
import gc
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer
from common import (
    MILLION,
    Bench,
    Row,
    Stack,
    encoded,
    fast_producer,
    fresh_database,
    participant_events,
    produce,
    ratio_row,
    topic_prefix,
)

from jangkau_metrics import service
from jangkau_metrics.bootstrap import MIGRATIONS, Metrics, bootstrap
from jangkau_metrics.config import MetricsSettings
from jangkau_metrics.entrypoints.consumer import PARTICIPANT_EVENTS, PARTICIPANT_TOPICS, Backoff, handle
from jangkau_metrics.entrypoints.replay import replay
from jangkau_shared import db, kafka
from jangkau_shared.events import WorkerRegisteredV1


@dataclass(frozen=True)
class Preloaded:
    """Topics (under ``prefix``) holding ``events`` realistic events of ``participants`` participants."""

    stack: Stack
    prefix: str
    events: int
    participants: int

    @property
    def topics(self) -> list[str]:
        """The participant topics the metrics consumer reads."""
        return [f"{self.prefix}{t}" for t in PARTICIPANT_TOPICS]

    def settings(self, database_url: str, **changes: Any) -> MetricsSettings:
        """Metrics settings for these topics, a database and a fresh consumer group."""
        values: dict[str, Any] = {
            "environment": "test",
            "kafka_bootstrap_servers": self.stack.kafka,
            "kafka_topic_prefix": self.prefix,
            "database_url": database_url,
            "consumer_group": f"{self.prefix}metrics-{uuid.uuid4().hex[:6]}",
            "lag_interval_seconds": 30.0,
        }
        return MetricsSettings(**(values | changes))


@dataclass(frozen=True)
class ServiceFold:
    """What one run of the service on the preloaded topics measured."""

    eps: float
    batches: int
    apply_seconds: float
    wall_seconds: float
    snapshot_bytes: int


async def preload(stack: Stack, n: int) -> Preloaded:
    """Produce ``n`` realistic participant events to fresh topics."""
    prefix = topic_prefix()
    events = participant_events(n)
    await kafka.ensure_topics(
        MetricsSettings(
            kafka_bootstrap_servers=stack.kafka,
            kafka_topic_prefix=prefix,
            database_url="postgresql+asyncpg://unused/x",
        )
    )
    producer = fast_producer(stack.kafka)
    await producer.start()
    try:
        for start in range(0, n, 100_000):  # encode in slices: a million records at once is 1 GiB
            await produce(producer, encoded(events[start : start + 100_000]), prefix)
    finally:
        await producer.stop()
    return Preloaded(stack, prefix, len(events), sum(isinstance(e, WorkerRegisteredV1) for e in events))


async def raw_consume(pre: Preloaded, limit_seconds: float) -> float:
    """Consume-and-discard the topics to the end; events per second from start (group join included)."""
    consumer = AIOKafkaConsumer(
        *pre.topics,
        bootstrap_servers=pre.stack.kafka,
        group_id=f"{pre.prefix}raw-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    started = time.perf_counter()
    await consumer.start()
    seen, deadline = 0, time.monotonic() + limit_seconds
    try:
        while seen < pre.events:
            if time.monotonic() > deadline:
                raise TimeoutError(f"raw consumer saw {seen} of {pre.events} events")
            batches = await consumer.getmany(timeout_ms=500)
            seen += sum(len(b) for b in batches.values())
        seconds = time.perf_counter() - started
    finally:
        await consumer.stop()
    return pre.events / seconds


def deep_size(root: object) -> int:
    """Bytes of every object reachable from ``root`` (each counted once; types and modules skipped)."""
    seen: set[int] = set()
    stack: list[Any] = [root]
    total = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, type | type(sys)):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        stack.extend(gc.get_referents(obj))
    return total


@asynccontextmanager
async def service_fold(
    pre: Preloaded, limit_seconds: float, *, profiler: Any = None
) -> AsyncIterator[tuple[ServiceFold, MetricsSettings]]:
    """Run the real metrics service in-process until it applied every event; keep its database open.

    Yields the figures and the settings of the live store (for a replay to compare with).
    ``profiler`` (a pyinstrument Profiler) is started and stopped around the timed part.
    """
    async with fresh_database(pre.stack) as url:
        settings = pre.settings(url)
        svc = bootstrap(settings)
        await db.upgrade(svc.engine, MIGRATIONS)
        gc.collect()
        if profiler is not None:
            profiler.start()
        started = time.perf_counter()
        await svc.start()
        try:
            await _until_applied(svc, pre.events, limit_seconds)
            wall = time.perf_counter() - started
        finally:
            if profiler is not None and profiler.is_running:
                profiler.stop()
            await svc.stop()
        gc.collect()
        stats = svc.stats
        yield (
            ServiceFold(
                eps=pre.events / wall,
                batches=sum(stats.batches.values()),
                apply_seconds=sum(stats.batch_seconds.values()),
                wall_seconds=wall,
                snapshot_bytes=deep_size(svc.snapshot),
            ),
            settings,
        )


async def _until_applied(svc: Metrics, n: int, limit_seconds: float) -> None:
    deadline = time.monotonic() + limit_seconds
    while (applied := sum(svc.stats.applied.values())) < n:
        if time.monotonic() > deadline:
            raise TimeoutError(f"metrics applied {applied} of {n} events")
        await asyncio.sleep(0.01)


async def aiokafka_fold(pre: Preloaded, limit_seconds: float) -> float:
    """The service's own batch handler driven by a plain aiokafka loop (getmany, handle, commit).

    Same settings, same fold, same ack-after-commit; only FastStream is left out.
    """
    async with fresh_database(pre.stack) as url:
        settings = pre.settings(url)
        svc = bootstrap(settings)  # its FastStream broker is never started
        await db.upgrade(svc.engine, MIGRATIONS)
        backoff = Backoff(settings.retry_max_seconds)
        consumer = AIOKafkaConsumer(
            *pre.topics,
            bootstrap_servers=pre.stack.kafka,
            group_id=settings.consumer_group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        started, deadline = time.perf_counter(), time.monotonic() + limit_seconds
        await svc.refresh()
        await consumer.start()
        try:
            while sum(svc.stats.applied.values()) < pre.events:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"aiokafka fold applied {sum(svc.stats.applied.values())} events")
                batches = await consumer.getmany(timeout_ms=200, max_records=settings.batch_max_records)
                records = [r for rs in batches.values() for r in rs]
                if records:
                    use_case = service.apply_participant_events
                    await handle(svc, records, "participants", PARTICIPANT_EVENTS, use_case, backoff)
                    await consumer.commit()
            seconds = time.perf_counter() - started
        finally:
            await consumer.stop()
            await svc.engine.dispose()
    return pre.events / seconds


async def replay_seconds(live: MetricsSettings, pre: Preloaded) -> tuple[float, int]:
    """Rebuild from offset 0 into a fresh database with ``jangkau-metrics replay``; seconds and differences.

    Timed from start to the end of the comparison with the live store (both loads included).
    """
    async with fresh_database(pre.stack) as url:
        started = time.perf_counter()
        report = await replay(live, into=url)
        seconds = time.perf_counter() - started
    if report.events < pre.events:
        raise RuntimeError(f"replay read {report.events} of {pre.events} events")
    return seconds, len(report.differences)


async def rows(bench: Bench) -> list[Row]:
    """#1, #2, #5 and #7a on one preloaded set of events."""
    pre = await preload(bench.stack, bench.events)
    await bench.settle()
    raw = await raw_consume(pre, bench.limit_seconds)
    await bench.settle()
    async with service_fold(pre, bench.limit_seconds) as (f, live):
        await bench.settle()
        replayed, differences = await replay_seconds(live, pre)
    await bench.settle()
    plain = await aiokafka_fold(pre, bench.limit_seconds)
    n = f"{pre.events:,} events"
    per_million = replayed * MILLION / pre.events
    return [
        ratio_row(
            "1",
            f"metrics fold, exactly-once commits ({n}, {f.batches} batches; "
            f"{f.apply_seconds / f.wall_seconds:.0%} of the wall time in the use case) "
            "vs raw aiokafka consume-and-discard",
            f.eps,
            raw,
            "events/s",
            goal=0.25,
        ),
        ratio_row(
            "2",
            f"the same fold under the FastStream subscriber vs on a plain aiokafka loop ({n})",
            f.eps,
            plain,
            "events/s",
            goal=0.8,
        ),
        Row(
            "5",
            f"replay from offset 0 into a fresh store, compared cell by cell with the live one ({n}; "
            f"{differences} cells differ; {per_million:.0f} s per million events) vs raw consume",
            pre.events / replayed,
            raw,
            "events/s",
            "<= 180 s per million, equal counts",
            pre.events / replayed / raw,
            per_million <= 180 and differences == 0,
        ),
        Row(
            "7a",
            f"metrics state: snapshot deep size {f.snapshot_bytes / 2**20:.1f} MiB for {pre.participants:,}"
            " participants",
            f.snapshot_bytes / pre.participants,
            None,
            "bytes/participant",
            "bounded",
        ),
    ]
