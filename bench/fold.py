"""Benchmarks #1 (metrics fold vs raw consume) and #7 (memory per participant)."""

import asyncio
import gc
import logging
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer
from common import Stack, encoded, fast_producer, fresh_database, participant_events, produce, topic_prefix

from jangkau_metrics.bootstrap import MIGRATIONS, bootstrap
from jangkau_metrics.config import MetricsSettings
from jangkau_metrics.entrypoints.consumer import PARTICIPANT_TOPICS
from jangkau_shared import db, kafka
from jangkau_shared.events import WorkerRegisteredV1


@dataclass(frozen=True)
class FoldResult:
    """Events per second of the service and of the raw consumer, and what memory the state took."""

    events: int
    participants: int
    service_eps: float
    raw_eps: float
    batches: int
    apply_seconds: float
    wall_seconds: float
    rss_growth_bytes: int
    snapshot_bytes: int


async def preload(stack: Stack, prefix: str, n: int) -> tuple[int, int]:
    """Produce ``n`` realistic participant events to fresh topics; return (events, participants)."""
    events = participant_events(n)
    records = encoded(events)
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
        await produce(producer, records, prefix)
    finally:
        await producer.stop()
    return len(records), sum(isinstance(e, WorkerRegisteredV1) for e in events)


async def raw_consume(stack: Stack, prefix: str, n: int, limit_seconds: float) -> float:
    """Consume-and-discard the same topics to the end; events per second from start (group join included)."""
    consumer = AIOKafkaConsumer(
        *(f"{prefix}{t}" for t in PARTICIPANT_TOPICS),
        bootstrap_servers=stack.kafka,
        group_id=f"{prefix}raw-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    seen, started = 0, time.perf_counter()
    deadline = time.monotonic() + limit_seconds
    try:
        while seen < n:
            if time.monotonic() > deadline:
                raise TimeoutError(f"raw consumer saw {seen} of {n} events")
            batches = await consumer.getmany(timeout_ms=500)
            got = sum(len(b) for b in batches.values())
            seen += got
        seconds = time.perf_counter() - started
    finally:
        await consumer.stop()
    return n / seconds


def rss_bytes() -> int:
    """Resident set size of this process, from /proc/self/statm."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


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


@dataclass(frozen=True)
class ServiceFold:
    """What one run of the service on the preloaded topics measured."""

    eps: float
    batches: int
    apply_seconds: float
    wall_seconds: float
    rss_growth_bytes: int
    snapshot_bytes: int


async def metrics_fold(
    stack: Stack, prefix: str, n: int, limit_seconds: float, *, profiler: Any = None
) -> ServiceFold:
    """Run the real metrics service in-process on the preloaded topics; return rates, RSS and state size.

    ``profiler`` (a pyinstrument Profiler) is started and stopped around the timed part.
    """
    async with fresh_database(stack) as url:
        settings = MetricsSettings(
            environment="test",
            kafka_bootstrap_servers=stack.kafka,
            kafka_topic_prefix=prefix,
            database_url=url,
            consumer_group=f"{prefix}metrics",
            lag_interval_seconds=30.0,
        )
        svc = bootstrap(settings)
        await db.upgrade(svc.engine, MIGRATIONS)
        gc.collect()
        rss_before = rss_bytes()
        _quiet()
        if profiler is not None:
            profiler.start()
        started, deadline = time.perf_counter(), time.monotonic() + limit_seconds
        await svc.start()
        _quiet()  # FastStream creates its access logger while starting
        try:
            while (applied := sum(svc.stats.applied.values())) < n:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"metrics applied {applied} of {n} events")
                await asyncio.sleep(0.005)
            wall = time.perf_counter() - started
            if profiler is not None:
                profiler.stop()
            gc.collect()
            rss_growth = rss_bytes() - rss_before
            state = deep_size(svc.snapshot)
            batches, applying = sum(svc.stats.batches.values()), sum(svc.stats.batch_seconds.values())
            return ServiceFold(n / wall, batches, applying, wall, rss_growth, state)
        finally:
            await svc.stop()


def _quiet() -> None:
    """Silence FastStream's per-batch access log on the console (it is still produced)."""
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("faststream"):
            logging.getLogger(name).setLevel(logging.ERROR)


async def run(stack: Stack, n: int, *, limit_seconds: float) -> FoldResult:
    """Preload once, then time the raw consumer and the service on the same events."""
    prefix = topic_prefix()
    events, participants = await preload(stack, prefix, n)
    raw_eps = await raw_consume(stack, prefix, events, limit_seconds)
    f = await metrics_fold(stack, prefix, events, limit_seconds)
    return FoldResult(
        events,
        participants,
        f.eps,
        raw_eps,
        f.batches,
        f.apply_seconds,
        f.wall_seconds,
        f.rss_growth_bytes,
        f.snapshot_bytes,
    )
