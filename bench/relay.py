"""Benchmark #6: the outbox relay draining N rows vs a raw idempotent producer sending the same payloads."""

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import common
from common import Bench, Stack, fresh_database, participant_events, ratio_row, topic_prefix
from sqlalchemy import Row, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from jangkau_registration.adapters.tables import outbox
from jangkau_registration.bootstrap import MIGRATIONS
from jangkau_shared import db, kafka
from jangkau_shared.envelope import build_headers
from jangkau_shared.outbox import OutboxRelay, outbox_row
from jangkau_shared.settings import KafkaSettings


@dataclass(frozen=True)
class RelayResult:
    """Rows per second of the relay and of the raw producer (sent before and after the relay)."""

    rows: int
    relay_rps: float
    raw_rps: tuple[float, float]

    @property
    def baseline(self) -> float:
        """The faster raw run: the baseline is what the machine allows, drift counts against the relay."""
        return max(self.raw_rps)


async def run(
    stack: Stack, n: int, *, limit_seconds: float, settle: Callable[[], Awaitable[float]]
) -> RelayResult:
    """Fill a fresh registration outbox; send its records raw, drain it with the relay, send them raw again.

    Each raw run goes to fresh topics; the two bracket the relay so that a machine getting busier
    or quieter during the run does not favour either side.
    """
    prefix = topic_prefix()
    settings = KafkaSettings(kafka_bootstrap_servers=stack.kafka, kafka_topic_prefix=prefix)
    await kafka.ensure_topics(settings)
    at = datetime.now(UTC)
    rows = [
        outbox_row(e, event_id=uuid.uuid4(), source="/bench", at=at, topic_prefix=prefix)
        for e in participant_events(n)
    ]
    async with fresh_database(stack) as url:
        engine = create_async_engine(url)
        try:
            await db.upgrade(engine, MIGRATIONS)
            async with engine.begin() as conn:
                for start in range(0, len(rows), 5_000):
                    await conn.execute(insert(outbox), rows[start : start + 5_000])
            async with engine.connect() as conn:
                stored = (await conn.execute(select(outbox).order_by(outbox.c.id))).all()
            await settle()
            raw_before = await _raw_send(stack, stored, old_prefix=prefix)
            await settle()
            relay_rps = await _drain(engine, settings, len(rows), limit_seconds)
        finally:
            await engine.dispose()
    await settle()
    raw_after = await _raw_send(stack, stored, old_prefix=prefix)
    return RelayResult(len(rows), relay_rps, (raw_before, raw_after))


async def _drain(engine: AsyncEngine, settings: KafkaSettings, n: int, limit_seconds: float) -> float:
    relay = OutboxRelay(engine, lambda: kafka.create_producer(settings), outbox)
    await relay.start()
    try:
        started, deadline = time.perf_counter(), time.monotonic() + limit_seconds
        while relay.stats.published < n:
            if time.monotonic() > deadline:
                raise TimeoutError(f"relay published {relay.stats.published} of {n} rows")
            await relay.publish_batch()
        seconds = time.perf_counter() - started
    finally:
        await relay.stop()
    async with engine.connect() as conn:
        unsent = (await conn.execute(select(func.count()).where(outbox.c.sent_at.is_(None)))).scalar_one()
    if unsent:
        raise RuntimeError(f"{unsent} outbox rows left unsent")
    return n / seconds


async def _raw_send(stack: Stack, rows: list[Row], *, old_prefix: str) -> float:  # type: ignore[type-arg]
    """The same records (value, key, CloudEvents headers) from memory, sent as fast as the producer
    allows, to fresh topics."""
    settings = KafkaSettings(kafka_bootstrap_servers=stack.kafka, kafka_topic_prefix=topic_prefix())
    await kafka.ensure_topics(settings)
    producer = kafka.create_producer(settings)
    await producer.start()
    try:
        started = time.perf_counter()
        acks = []
        for row in rows:
            headers = build_headers(
                event_id=str(row.event_id), source=row.source, ce_type=row.ce_type, time=row.ce_time
            )
            acks.append(
                await producer.send(
                    settings.topic(row.topic.removeprefix(old_prefix)),
                    row.value,
                    key=row.key,
                    headers=headers,
                )
            )
        await asyncio.gather(*acks)
        return len(rows) / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def rows(bench: Bench) -> list[common.Row]:
    """#6: the relay beside the raw producer."""
    r = await run(bench.stack, bench.rows, limit_seconds=bench.limit_seconds, settle=bench.settle)
    before, after = (f"{x:,.0f}" for x in r.raw_rps)
    what = (
        f"outbox relay draining {r.rows:,} rows vs the raw idempotent producer sending the same records"
        f" (the faster of a run before the relay, {before}/s, and one after, {after}/s)"
    )
    return [ratio_row("6", what, r.relay_rps, r.baseline, "rows/s", goal=0.5)]
