"""Consuming helpers: take raw records from FastStream, decode them, dead-letter what cannot apply."""

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Protocol, TypedDict

import structlog
from faststream import AckPolicy

from jangkau_shared.envelope import Envelope, InvalidEvent, decode
from jangkau_shared.events import EventData
from jangkau_shared.topics import dead_letter_topic

if TYPE_CHECKING:  # FastStream's decoder type lives in a private module: typing only
    from faststream._internal.types import CustomCallable

log = structlog.get_logger(__name__)

#: Largest value a consumer accepts; larger ones are dead-lettered, not parsed.
MAX_VALUE_BYTES = 256 * 1024


class Record(Protocol):
    """What the consumers need of an aiokafka ConsumerRecord."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]


class Publisher(Protocol):
    """The slice of a FastStream broker used to dead-letter a record (waits for the ack)."""

    async def publish(
        self,
        message: Any,
        topic: str = "",
        *,
        key: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any: ...


class Decoded(NamedTuple):
    """A record that decoded into an event (a tuple: one per record)."""

    record: Record
    envelope: Envelope


class Rejected(NamedTuple):
    """A record that cannot be applied, and why."""

    record: Record
    reason: str


async def keep_raw(message: Any) -> None:
    """FastStream decoder that parses nothing, so bad JSON reaches the dead-letter path.

    Without it FastStream parses a JSON content-type itself, and a malformed value fails before
    the handler: the batch is nacked and redelivered forever, blocking its partition.
    """
    return None


class BatchSubscription(TypedDict):
    """Keyword arguments of a FastStream Kafka batch subscriber, typed for its overloads."""

    group_id: str
    batch: Literal[True]
    max_records: int
    auto_offset_reset: Literal["earliest"]
    ack_policy: AckPolicy
    decoder: "CustomCallable"


def batch_subscription(*, group_id: str, max_records: int) -> BatchSubscription:
    """Subscriber options of every Jangkau consumer: batches of raw records in a named group,
    from the earliest offset, acknowledged only after the handler returned (so after its
    commit) and put back for redelivery when it raised."""
    return {
        "group_id": group_id,
        "batch": True,
        "max_records": max_records,
        "auto_offset_reset": "earliest",
        "ack_policy": AckPolicy.NACK_ON_ERROR,
        "decoder": keep_raw,
    }


def raw_records(message: Any) -> tuple[Record, ...]:
    """Return the aiokafka records of a FastStream message (one record, or a batch)."""
    raw = message.raw_message
    return tuple(raw) if isinstance(raw, tuple | list) else (raw,)


def decode_batch(
    records: Iterable[Record], accept: tuple[type[EventData], ...]
) -> tuple[list[Decoded], list[Rejected]]:
    """Split records into decoded events of the ``accept``ed types and rejects with reasons."""
    good: list[Decoded] = []
    bad: list[Rejected] = []
    for record in records:
        if record.value is None:
            bad.append(Rejected(record, "record has no value"))
        elif len(record.value) > MAX_VALUE_BYTES:
            bad.append(Rejected(record, f"value of {len(record.value)} bytes exceeds {MAX_VALUE_BYTES}"))
        else:
            try:
                envelope = decode(record.headers, record.value)
            except InvalidEvent as err:
                bad.append(Rejected(record, err.reason))
                continue
            if isinstance(envelope.data, accept):
                good.append(Decoded(record, envelope))
            else:
                bad.append(Rejected(record, f"{envelope.type} is not expected on {record.topic}"))
    return good, bad


async def dead_letter(publisher: Publisher, rejected: Rejected, *, consumer: str) -> str:
    """Publish a rejected record unchanged to its dead-letter topic, the reason in headers."""
    record = rejected.record
    topic = dead_letter_topic(record.topic)
    headers = {name: value.decode(errors="replace") for name, value in record.headers}
    headers |= {
        "jangkau_dlq_reason": rejected.reason[:1000],
        "jangkau_dlq_topic": record.topic,
        "jangkau_dlq_partition": str(record.partition),
        "jangkau_dlq_offset": str(record.offset),
        "jangkau_dlq_consumer": consumer,
    }
    await publisher.publish(record.value or b"", topic, key=record.key, headers=headers)
    log.warning(
        "event_dead_lettered",
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        reason=rejected.reason,
    )
    return topic
