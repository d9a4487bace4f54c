"""FastStream subscribers: decode a batch, dead-letter the bad, apply the rest, then ack."""

from typing import TYPE_CHECKING, Any

from faststream import AckPolicy
from faststream.kafka.annotations import KafkaMessage

from jangkau_metrics import service
from jangkau_metrics.domain.coverage import Enrolment
from jangkau_shared import topics
from jangkau_shared.deadletter import Record, dead_letter, decode_batch
from jangkau_shared.events import WorkerRegisteredV1

if TYPE_CHECKING:
    from jangkau_metrics.bootstrap import Metrics


def _records(message: KafkaMessage) -> tuple[Record, ...]:
    raw: Any = message.raw_message
    return raw if isinstance(raw, tuple) else (raw,)


def subscribe(metrics: "Metrics") -> None:
    """Attach the metrics consumers to the service's broker."""
    settings = metrics.settings

    @metrics.broker.subscriber(
        settings.topic(topics.WORKER_REGISTERED),
        group_id=settings.consumer_group,
        batch=True,
        max_records=settings.batch_max_records,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def on_worker_registered(message: KafkaMessage) -> None:
        """Apply registrations; acknowledged only after the database commit."""
        good, bad = decode_batch(_records(message), accept=(WorkerRegisteredV1,))
        for rejected in bad:
            await dead_letter(metrics.broker, rejected, consumer=settings.consumer_group)
            metrics.stats.count_dead_lettered(rejected.record.topic)
        enrolments = [_enrolment(d.envelope.data) for d in good]
        await service.apply_enrolments(enrolments, store=metrics.store, snapshot=metrics.snapshot)
        if good:
            metrics.stats.count_applied(good[0].record.topic, len(good))


def _enrolment(data: Any) -> Enrolment:
    assert isinstance(data, WorkerRegisteredV1)
    return Enrolment(
        participant_id=data.participant_id,
        branch=data.branch,
        village_code=data.village_code,
        segment=data.segment.value,
    )
