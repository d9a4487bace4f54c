"""Consumer lag per partition: end offsets minus each group's committed offsets, measured periodically."""

import asyncio
import contextlib
import time
from collections.abc import Mapping, Sequence

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from jangkau_metrics.adapters.pipeline import PipelineStats
from jangkau_shared.kafka import connection_options
from jangkau_shared.settings import KafkaSettings

log = structlog.get_logger(__name__)

#: Consumer group id -> the topics that group reads.
Groups = Mapping[str, Sequence[str]]


class LagProbe:
    """An admin client and an offset reader, opened once and asked every round."""

    def __init__(self, settings: KafkaSettings) -> None:
        self._admin = AIOKafkaAdminClient(**connection_options(settings))
        self._reader = AIOKafkaConsumer(**connection_options(settings), enable_auto_commit=False)

    async def start(self) -> None:
        """Connect both clients."""
        await self._admin.start()
        await self._reader.start()

    async def close(self) -> None:
        """Disconnect both clients."""
        await self._reader.stop()
        await self._admin.close()

    async def measure(self, groups: Groups) -> dict[tuple[str, int], int]:
        """Each group's lag on every partition of its topics (uncommitted: from the beginning)."""
        lag: dict[tuple[str, int], int] = {}
        for group, topics in groups.items():
            partitions = await partitions_of(self._admin, topics)
            committed = await self._admin.list_consumer_group_offsets(group, partitions=partitions)
            ends = await self._reader.end_offsets(partitions)
            starts = await self._reader.beginning_offsets(partitions)
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
    settings: KafkaSettings, stats: PipelineStats, *, groups: Groups, every: float, stop: asyncio.Event
) -> None:
    """Measure lag every ``every`` seconds until ``stop``.

    The clients stay open between rounds; a failed round is logged and skipped, and the clients are
    opened again for the next one.
    """
    probe: LagProbe | None = None
    while not stop.is_set():
        try:
            if probe is None:
                opening = LagProbe(settings)
                await opening.start()
                probe = opening
            stats.lag = await probe.measure(groups)
            stats.lag_measured_at = time.time()
        except (KafkaError, OSError) as err:
            log.warning("consumer_lag_unavailable", error=type(err).__name__)
            await _closed(probe)
            probe = None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
    await _closed(probe)


async def _closed(probe: LagProbe | None) -> None:
    if probe is not None:
        with contextlib.suppress(KafkaError, OSError):
            await probe.close()
