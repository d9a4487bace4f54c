"""Rebuild the state from offset 0 into a fresh store, then compare it with the live store cell by cell."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pydantic import SecretStr

from jangkau_metrics import service
from jangkau_metrics.adapters.lag import partitions_of
from jangkau_metrics.adapters.sql import SqlCoverageStore
from jangkau_metrics.bootstrap import MIGRATIONS
from jangkau_metrics.config import MetricsSettings
from jangkau_metrics.domain.snapshot import differences
from jangkau_metrics.entrypoints.consumer import (
    CAMPAIGN_EVENTS,
    PARTICIPANT_EVENTS,
    PARTICIPANT_TOPICS,
    consumed_topics,
)
from jangkau_shared import db
from jangkau_shared.deadletter import Record, decode_batch
from jangkau_shared.kafka import connection_options


class NotEmpty(RuntimeError):
    """The store to rebuild into already holds state."""


@dataclass
class ReplayReport:
    """What a replay read, what it could not apply, and where the two stores differ."""

    events: int = 0
    rejected: int = 0
    end_offsets: dict[str, int] = field(default_factory=dict)
    differences: list[str] = field(default_factory=list)


async def replay(settings: MetricsSettings, *, into: str, max_records: int = 2000) -> ReplayReport:
    """Rebuild into the database at ``into`` up to the end offsets seen at start, then compare."""
    fresh = db.create_engine(settings.model_copy(update={"database_url": SecretStr(into)}))
    live = db.create_engine(settings)
    try:
        await db.upgrade(fresh, MIGRATIONS)
        store = SqlCoverageStore(fresh)
        if await store.fingerprint():
            raise NotEmpty("the store to replay into is not empty; give a new database")
        report = ReplayReport()
        await _consume(settings, store, report, max_records=max_records)
        live_cells = await SqlCoverageStore(live).fingerprint()
        report.differences = differences(live_cells, await store.fingerprint())
        return report
    finally:
        await fresh.dispose()
        await live.dispose()


async def _consume(
    settings: MetricsSettings, store: SqlCoverageStore, report: ReplayReport, *, max_records: int
) -> None:
    consumer = AIOKafkaConsumer(
        **connection_options(settings),
        group_id=f"{settings.consumer_group}.replay.{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        partitions = await _partitions(settings)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        report.end_offsets = {f"{tp.topic}:{tp.partition}": n for tp, n in sorted(ends.items())}
        pending = {tp for tp in partitions if await consumer.position(tp) < ends[tp]}
        while pending:
            batch = await consumer.getmany(*pending, timeout_ms=1000, max_records=max_records)
            records = [r for tp, rs in batch.items() for r in rs if r.offset < ends[tp]]
            await _apply(records, store, report, settings)
            pending = {tp for tp in pending if await consumer.position(tp) < ends[tp]}
    finally:
        await consumer.stop()


async def _partitions(settings: MetricsSettings) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(**connection_options(settings))
    await admin.start()
    try:
        return await partitions_of(admin, consumed_topics(settings))
    finally:
        await admin.close()


async def _apply(
    records: Sequence[Record],
    store: SqlCoverageStore,
    report: ReplayReport,
    settings: MetricsSettings,
) -> None:
    participant_topics = {settings.topic(t) for t in PARTICIPANT_TOPICS}
    people = [r for r in records if r.topic in participant_topics]
    others = [r for r in records if r.topic not in participant_topics]
    for part, accept, use_case in (
        (people, PARTICIPANT_EVENTS, service.apply_participant_events),
        (others, CAMPAIGN_EVENTS, service.apply_campaign_events),
    ):
        good, bad = decode_batch(part, accept=accept)
        report.events += len(part)
        report.rejected += len(bad)
        if good:
            outcome = await use_case(good, store=store)
            report.rejected += len(outcome.rejected)
