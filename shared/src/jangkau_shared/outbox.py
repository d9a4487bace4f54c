"""Transactional outbox: rows written with the state change, published by a relay after commit."""

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self
from uuid import UUID, uuid4

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    LargeBinary,
    MetaData,
    Table,
    Text,
    Uuid,
    any_,
    bindparam,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from jangkau_shared.envelope import build_headers, encode
from jangkau_shared.events import EventData, spec_for_model

log = structlog.get_logger(__name__)

#: The ids a relay round marks sent, as one array parameter.
SENT_IDS = bindparam("ids", type_=ARRAY(BigInteger))


def outbox_table(metadata: MetaData) -> Table:
    """Define the ``outbox`` table in a service's metadata."""
    return Table(
        "outbox",
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("event_id", Uuid, nullable=False, unique=True),
        Column("source", Text, nullable=False),
        Column("ce_type", Text, nullable=False),
        Column("ce_time", DateTime(timezone=True), nullable=False),
        Column("topic", Text, nullable=False),
        Column("key", LargeBinary, nullable=False),
        Column("value", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("sent_at", DateTime(timezone=True)),
        Index("outbox_unsent_idx", "id", postgresql_where=text("sent_at IS NULL")),
    )


def outbox_row(
    data: EventData, *, event_id: UUID, source: str, at: datetime, topic_prefix: str = ""
) -> dict[str, Any]:
    """Return the outbox row for one event, encoded once at write time."""
    record = encode(data, event_id=str(event_id), source=source, time=at)
    return {
        "event_id": event_id,
        "source": source,
        "ce_type": spec_for_model(type(data)).type,
        "ce_time": at,
        "topic": f"{topic_prefix}{record.topic}",
        "key": record.key,
        "value": record.value,
    }


@dataclass
class RelayStats:
    """What the relay has done, read by the service's Prometheus collector."""

    published: int = 0
    failures: int = 0
    backlog: int = 0
    oldest_age_seconds: float = 0.0
    last_published_at: float | None = None
    by_topic: dict[str, int] = field(default_factory=dict)


class OutboxRelay:
    """Publishes unsent outbox rows with an idempotent producer; marks them sent after the ack."""

    def __init__(
        self,
        engine: AsyncEngine,
        producer: Callable[[], AIOKafkaProducer],
        table: Table,
        *,
        batch_size: int = 500,
        idle_seconds: float = 0.1,
        round_interval: float = 0.02,
    ) -> None:
        self._engine, self._new_producer, self._table = engine, producer, table
        self._producer: AIOKafkaProducer | None = None
        self._batch_size, self._idle_seconds = batch_size, idle_seconds
        self._round_interval = round_interval
        self._wake = asyncio.Event()
        self.stats = RelayStats()

    async def start(self) -> None:
        """Create and connect the producer (aiokafka objects belong to the running loop)."""
        self._producer = self._new_producer()
        await self._producer.start()

    async def stop(self) -> None:
        """Flush and close the producer."""
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    def wake(self) -> None:
        """Ask the relay to look for rows now instead of after its idle pause."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until ``stop`` is set; back off on broker or database trouble."""
        backoff, next_gauge, next_round = 0.0, 0.0, 0.0
        while not stop.is_set():
            # Under load every commit wakes the relay: one round per commit would cost a
            # transaction per event. Rounds start at most every ``round_interval`` instead, so that
            # the rows committed meanwhile go out together (a quiet relay starts at once).
            if (wait := next_round - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            next_round = time.monotonic() + self._round_interval
            try:
                sent = await self.publish_batch()
                if time.monotonic() >= next_gauge:
                    await self.refresh_backlog()
                    next_gauge = time.monotonic() + 1.0
                backoff = 0.0
            except (KafkaError, DBAPIError, OSError) as err:
                self.stats.failures += 1
                backoff = min(max(backoff * 2, 0.2), 5.0)
                log.warning("outbox_relay_retry", error=type(err).__name__, backoff=backoff)
                sent = 0
            if sent < self._batch_size:
                await self._pause(backoff or self._idle_seconds, stop)

    async def _pause(self, seconds: float, stop: asyncio.Event) -> None:
        self._wake.clear()
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        _, pending = await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()

    async def publish_batch(self) -> int:
        """Publish one batch of unsent rows (locked, so other relays skip them); return the count."""
        table = self._table
        async with self._engine.begin() as conn:
            rows = (
                await conn.execute(
                    select(
                        table.c.id,
                        table.c.event_id,
                        table.c.source,
                        table.c.ce_type,
                        table.c.ce_time,
                        table.c.topic,
                        table.c.key,
                        table.c.value,
                    )
                    .where(table.c.sent_at.is_(None))
                    .order_by(table.c.id)
                    .limit(self._batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            await self._send_all(rows)
            await self._mark_sent(conn, [row.id for row in rows])
        self._count(rows)
        return len(rows)

    async def _send_all(self, rows: Iterable[Any]) -> None:
        if self._producer is None:
            raise RuntimeError("relay not started")
        acks = []
        for row in rows:
            headers = build_headers(
                event_id=str(row.event_id), source=row.source, ce_type=row.ce_type, time=row.ce_time
            )
            acks.append(await self._producer.send(row.topic, row.value, key=row.key, headers=headers))
        await asyncio.gather(*acks)

    async def _mark_sent(self, conn: AsyncConnection, ids: list[int]) -> None:
        # One array parameter, not IN with a parameter per row: the statement text stays the same
        # whatever the batch size, so it is prepared once (SENT_IDS), not parsed per round.
        table = self._table
        await conn.execute(
            update(table).where(table.c.id == any_(SENT_IDS)).values(sent_at=func.now()), {"ids": ids}
        )

    def _count(self, rows: Sequence[Any]) -> None:
        self.stats.published += len(rows)
        self.stats.last_published_at = time.time()
        for row in rows:
            self.stats.by_topic[row.topic] = self.stats.by_topic.get(row.topic, 0) + 1

    async def refresh_backlog(self) -> None:
        """Measure the unsent rows and the age of the oldest."""
        table = self._table
        async with self._engine.connect() as conn:
            count, oldest = (
                await conn.execute(
                    select(func.count(), func.min(table.c.created_at)).where(table.c.sent_at.is_(None))
                )
            ).one()
        self.stats.backlog = int(count)
        self.stats.oldest_age_seconds = (
            (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0
        )


class RelayCollector(Collector):
    """Prometheus view of a relay's stats; reads memory only, never the database."""

    def __init__(self, service: str, stats: RelayStats) -> None:
        self._service, self._stats = service, stats

    def collect(self) -> Iterable[Metric]:
        """Yield outbox backlog, age and publish counters."""
        labels = [self._service]
        backlog = GaugeMetricFamily(
            "jangkau_outbox_backlog_events",
            "Outbox rows not yet acknowledged by Kafka.",
            labels=["service"],
        )
        backlog.add_metric(labels, self._stats.backlog)
        age = GaugeMetricFamily(
            "jangkau_outbox_oldest_age_seconds",
            "Age of the oldest unsent outbox row.",
            labels=["service"],
        )
        age.add_metric(labels, self._stats.oldest_age_seconds)
        published = CounterMetricFamily(
            "jangkau_outbox_published_events",
            "Outbox rows published and acknowledged.",
            labels=["service", "topic"],
        )
        for topic, count in sorted(self._stats.by_topic.items()):
            published.add_metric([self._service, topic], count)
        failures = CounterMetricFamily(
            "jangkau_outbox_publish_failures",
            "Relay rounds that failed and were retried.",
            labels=["service"],
        )
        failures.add_metric(labels, self._stats.failures)
        yield from (backlog, age, published, failures)


class OutboxUnitOfWork:
    """A transaction on one connection whose queued events become outbox rows at commit.

    Services subclass it and attach their repositories to ``self._conn`` in ``_bind``. After a
    commit that wrote outbox rows it calls ``on_events_committed`` (the relay's ``wake``), so the
    rows are published at once rather than at the relay's next poll.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        table: Table,
        *,
        source: str,
        topic_prefix: str = "",
        on_events_committed: Callable[[], None] = lambda: None,
    ) -> None:
        self._engine, self._table, self._source = engine, table, source
        self._topic_prefix = topic_prefix
        self._on_events_committed = on_events_committed
        self._events: list[EventData] = []
        self.committed = False

    async def __aenter__(self) -> Self:
        self._conn: AsyncConnection = await self._engine.connect()
        await self._conn.begin()
        self._bind(self._conn)
        return self

    def _bind(self, conn: AsyncConnection) -> None:
        """Attach the service's repositories to the transaction's connection."""

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if not self.committed:
                await self._conn.rollback()
        finally:
            await self._conn.close()

    def publish(self, event: EventData) -> None:
        """Queue an event for the outbox of this transaction."""
        self._events.append(event)

    async def commit(self) -> None:
        """Write queued events to the outbox and commit everything at once; then wake the relay."""
        published = bool(self._events)
        if published:
            now = datetime.now(UTC)
            rows = [
                outbox_row(e, event_id=uuid4(), source=self._source, at=now, topic_prefix=self._topic_prefix)
                for e in self._events
            ]
            await self._conn.execute(insert(self._table), rows)
            self._events.clear()
        await self._conn.commit()
        self.committed = True
        if published:
            self._on_events_committed()
