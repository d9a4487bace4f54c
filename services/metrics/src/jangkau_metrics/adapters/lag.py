"""Consumer lag per partition: end offsets minus the group's committed offsets, measured periodically."""

import asyncio
import contextlib
import time
from collections.abc import Sequence

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from jangkau_metrics.adapters.pipeline import PipelineStats
from jangkau_shared.kafka import connection_options
from jangkau_shared.settings import KafkaSettings

log = structlog.get_logger(__name__)


async def measure_lag(
    settings: KafkaSettings, *, group: str, topics: Sequence[str]
) -> dict[tuple[str, int], int]:
    """Return the group's lag on every partition of ``topics`` (uncommitted: from the beginning)."""
    admin = AIOKafkaAdminClient(**connection_options(settings))
    reader = AIOKafkaConsumer(**connection_options(settings), enable_auto_commit=False)
    await admin.start()
    await reader.start()
    try:
        partitions = await partitions_of(admin, topics)
        committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
        ends = await reader.end_offsets(partitions)
        starts = await reader.beginning_offsets(partitions)
    finally:
        await reader.stop()
        await admin.close()
    lag = {}
    for tp in partitions:
        meta = committed.get(tp)
        position = meta.offset if meta is not None and meta.offset >= 0 else starts[tp]
        lag[(tp.topic, tp.partition)] = max(0, ends[tp] - position)
    return lag


async def partitions_of(admin: AIOKafkaAdminClient, topics: Sequence[str]) -> list[TopicPartition]:
    """Every partition of the existing ``topics``, asked of the cluster."""
    described = await admin.describe_topics(list(topics))
    return sorted(
        TopicPartition(topic["topic"], p["partition"])
        for topic in described
        if topic["error_code"] == 0
        for p in topic["partitions"]
    )


async def watch_lag(
    settings: KafkaSettings,
    stats: PipelineStats,
    *,
    group: str,
    topics: Sequence[str],
    every: float,
    stop: asyncio.Event,
) -> None:
    """Measure lag every ``every`` seconds until ``stop``; a failed round is logged and skipped."""
    while not stop.is_set():
        try:
            stats.lag = await measure_lag(settings, group=group, topics=topics)
            stats.lag_measured_at = time.time()
        except (KafkaError, OSError) as err:
            log.warning("consumer_lag_unavailable", error=type(err).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
