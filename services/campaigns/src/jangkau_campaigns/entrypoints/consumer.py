"""FastStream subscriber: decode a batch, attribute it, commit, dead-letter the bad, then ack."""

import asyncio
from typing import TYPE_CHECKING

import structlog
from faststream.kafka.annotations import KafkaMessage
from sqlalchemy.exc import DBAPIError

from jangkau_campaigns import service
from jangkau_campaigns.adapters.events import fact_from_event, stored
from jangkau_campaigns.ports import Incoming
from jangkau_shared import topics
from jangkau_shared.deadletter import Decoded, Rejected, batch_subscription, decode_batch, raw_records
from jangkau_shared.events import ContributionPaidV1, WorkerRegisteredV1

if TYPE_CHECKING:
    from jangkau_campaigns.bootstrap import Campaigns

log = structlog.get_logger(__name__)
MAX_BACKOFF_SECONDS = 10.0


def _facts(good: list[Decoded]) -> tuple[list[Incoming], list[Rejected]]:
    incoming: list[Incoming] = []
    rejected: list[Rejected] = []
    for decoded in good:
        try:
            incoming.append(Incoming(fact_from_event(decoded.envelope.data), stored(decoded.record)))
        except ValueError as err:
            rejected.append(Rejected(decoded.record, str(err)))
    return incoming, rejected


def subscribe(campaigns: "Campaigns") -> None:
    """Attach the attribution consumer (registrations and payments) to the service's broker."""
    settings = campaigns.settings
    failures = 0

    @campaigns.broker.subscriber(
        settings.topic(topics.WORKER_REGISTERED),
        settings.topic(topics.CONTRIBUTION_PAID),
        **batch_subscription(group_id=settings.consumer_group, max_records=settings.batch_max_records),
    )
    async def on_participant_events(message: KafkaMessage) -> None:
        """Attribute registrations and payments; acknowledged only after the database commit."""
        nonlocal failures
        good, bad = decode_batch(raw_records(message), accept=(WorkerRegisteredV1, ContributionPaidV1))
        incoming, unusable = _facts(good)
        try:
            result = await service.attribute(incoming, uow=campaigns.uow())
        except (DBAPIError, OSError) as err:
            # Transient: nothing is dead-lettered; wait, then nack so the batch is redelivered.
            failures += 1
            campaigns.stats.transient_failures += 1
            delay = min(0.2 * 2**failures, MAX_BACKOFF_SECONDS)
            log.warning("attribution_retry", error=type(err).__name__, backoff=delay)
            await asyncio.sleep(delay)
            raise
        failures = 0
        for rejected in [*bad, *unusable]:
            await campaigns.dead_letter(stored(rejected.record), rejected.reason)
        campaigns.stats.parked_total += result.parked
        campaigns.stats.parked_now += result.parked
        for item in incoming:
            campaigns.stats.count_applied(item.record.topic, 1)
