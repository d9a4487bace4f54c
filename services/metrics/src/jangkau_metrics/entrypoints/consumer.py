"""FastStream subscribers: decode a batch, apply it in one transaction, dead-letter the bad, then ack."""

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Final

import structlog
from faststream.kafka.annotations import KafkaMessage
from sqlalchemy.exc import DBAPIError

from jangkau_metrics import service
from jangkau_metrics.adapters.sql import ConcurrentInsert
from jangkau_metrics.config import MetricsSettings
from jangkau_metrics.ports import CoverageStore
from jangkau_shared import topics
from jangkau_shared.deadletter import (
    Decoded,
    Record,
    batch_subscription,
    dead_letter,
    decode_batch,
    raw_records,
)
from jangkau_shared.events import (
    CampaignClosedV1,
    CampaignHeldV1,
    CampaignPlannedV1,
    ContributionPaidV1,
    EventData,
    WorkerRegisteredV1,
)

if TYPE_CHECKING:
    from jangkau_metrics.bootstrap import Metrics

log = structlog.get_logger(__name__)

PARTICIPANT_TOPICS: Final = (topics.WORKER_REGISTERED, topics.CONTRIBUTION_PAID)
CAMPAIGN_TOPICS: Final = (topics.CAMPAIGN_PLANNED, topics.CAMPAIGN_HELD, topics.CAMPAIGN_CLOSED)
PARTICIPANT_EVENTS: Final = (WorkerRegisteredV1, ContributionPaidV1)
CAMPAIGN_EVENTS: Final = (CampaignPlannedV1, CampaignHeldV1, CampaignClosedV1)
#: Failures that pass: the batch is put back (nack) after a pause, never dead-lettered.
TRANSIENT: Final = (DBAPIError, OSError, TimeoutError, ConcurrentInsert)


def consumed_topics(settings: MetricsSettings) -> list[str]:
    """Every topic the metrics consumers read, under the settings' prefix."""
    return [settings.topic(t) for t in (*PARTICIPANT_TOPICS, *CAMPAIGN_TOPICS)]


def campaign_group(settings: MetricsSettings) -> str:
    """The campaign consumer's own group, named after the participants' group.

    One group per consumer: were both consumers in one group, each one's join would stop the
    other for a rebalance (seconds without folding at every start of every instance).
    """
    return f"{settings.consumer_group}.campaigns"


def consumer_groups(settings: MetricsSettings) -> dict[str, list[str]]:
    """Each consumer group of the metrics service and the topics it reads."""
    return {
        settings.consumer_group: [settings.topic(t) for t in PARTICIPANT_TOPICS],
        campaign_group(settings): [settings.topic(t) for t in CAMPAIGN_TOPICS],
    }


UseCase = Callable[..., Awaitable[service.Outcome]]


class Backoff:
    """Growing pauses after consecutive transient failures, so a redelivery is not a hot loop."""

    def __init__(self, max_seconds: float) -> None:
        self.max_seconds, self.failures = max_seconds, 0

    async def pause(self) -> None:
        """Wait longer each time, up to ``max_seconds``."""
        await asyncio.sleep(min(self.max_seconds, 0.1 * 2**self.failures))
        self.failures += 1

    def reset(self) -> None:
        """Forget earlier failures after a success."""
        self.failures = 0


def subscribe(metrics: "Metrics") -> None:
    """Attach the two metrics consumers (participants, campaigns) to the service's broker."""
    settings = metrics.settings
    participants, campaigns = Backoff(settings.retry_max_seconds), Backoff(settings.retry_max_seconds)

    @metrics.broker.subscriber(
        *(settings.topic(t) for t in PARTICIPANT_TOPICS),
        **batch_subscription(group_id=settings.consumer_group, max_records=settings.batch_max_records),
    )
    async def on_participant_events(message: KafkaMessage) -> None:
        """Apply registrations and payments; acknowledged only after the database commit."""
        use_case = service.apply_participant_events
        await handle(
            metrics, raw_records(message), "participants", PARTICIPANT_EVENTS, use_case, participants
        )

    @metrics.broker.subscriber(
        *(settings.topic(t) for t in CAMPAIGN_TOPICS),
        **batch_subscription(group_id=campaign_group(settings), max_records=settings.batch_max_records),
    )
    async def on_campaign_events(message: KafkaMessage) -> None:
        """Apply campaign lifecycle events; acknowledged only after the database commit."""
        use_case = service.apply_campaign_events
        await handle(metrics, raw_records(message), "campaigns", CAMPAIGN_EVENTS, use_case, campaigns)


async def handle(
    metrics: "Metrics",
    records: Sequence[Record],
    consumer: str,
    accept: tuple[type[EventData], ...],
    use_case: UseCase,
    backoff: Backoff,
) -> None:
    """Apply one batch; on a transient failure pause, then raise so the batch is redelivered."""
    good, bad = decode_batch(records, accept=accept)
    started = time.perf_counter()
    try:
        outcome = await apply(use_case, good, store=metrics.store)
    except TRANSIENT as err:
        metrics.stats.retries[consumer] += 1
        log.warning("batch_retry", consumer=consumer, error=type(err).__name__, detail=str(err)[:300])
        await backoff.pause()
        raise
    backoff.reset()
    await metrics.refresh_after_commit()  # this instance serves its own commit before it counts the batch
    for rejected in [*bad, *outcome.rejected]:
        await dead_letter(metrics.broker, rejected, consumer=metrics.settings.consumer_group)
        metrics.stats.count_dead_lettered(rejected.record.topic)
    for topic, n in outcome.applied.items():
        metrics.stats.count_applied(topic, n)
    metrics.stats.without_effect.update(outcome.without_effect)
    metrics.stats.count_batch(consumer, time.perf_counter() - started)


async def apply(use_case: UseCase, events: Sequence[Decoded], *, store: CoverageStore) -> service.Outcome:
    """Run a use case on the decoded events (nothing to do for an all-bad batch)."""
    if not events:
        return service.Outcome()
    return await use_case(events, store=store)
