"""CloudEvents 1.0 Kafka protocol binding, binary content mode: ``ce_*`` headers, JSON value."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import orjson
from pydantic import ValidationError

from jangkau_shared.events import EventData, spec_for_model, spec_for_type

SPECVERSION: Final = "1.0"
CONTENT_TYPE: Final = "application/json"
REQUIRED_HEADERS: Final = ("ce_id", "ce_source", "ce_type", "ce_specversion")

Headers = list[tuple[str, bytes]]


class InvalidEvent(ValueError):
    """A record that is not a valid event of the contract; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Envelope:
    """One decoded event: CloudEvents attributes and the typed payload."""

    id: str
    source: str
    type: str
    time: datetime | None
    data: EventData


@dataclass(frozen=True)
class KafkaRecord:
    """What goes to Kafka for one event."""

    topic: str
    key: bytes
    value: bytes
    headers: Headers


def format_time(moment: datetime) -> str:
    """Render an RFC 3339 UTC timestamp with a ``Z`` suffix."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def build_headers(*, event_id: str, source: str, ce_type: str, time: datetime) -> Headers:
    """Return the binary-mode headers of one event."""
    return [
        ("ce_specversion", SPECVERSION.encode()),
        ("ce_id", event_id.encode()),
        ("ce_source", source.encode()),
        ("ce_type", ce_type.encode()),
        ("ce_time", format_time(time).encode()),
        ("content-type", CONTENT_TYPE.encode()),
    ]


def encode(data: EventData, *, event_id: str, source: str, time: datetime) -> KafkaRecord:
    """Encode a payload as a Kafka record keyed by the entity the event is about."""
    spec = spec_for_model(type(data))
    key = str(getattr(data, spec.key_field)).encode()
    value = orjson.dumps(data.model_dump(mode="json"))
    headers = build_headers(event_id=event_id, source=source, ce_type=spec.type, time=time)
    return KafkaRecord(topic=spec.topic, key=key, value=value, headers=headers)


def _header_map(headers: Sequence[tuple[str, bytes]] | Mapping[str, bytes]) -> dict[str, str]:
    # Called once per consumed record: the common case (aiokafka's tuple of pairs) avoids the
    # ABC isinstance check, and str(value, "utf-8") decodes bytes, bytearray and memoryview alike
    # without bytes() copying them first.
    items = headers if isinstance(headers, tuple | list) else _pairs(headers)
    try:
        return {name.lower(): str(value, "utf-8") for name, value in items}
    except UnicodeDecodeError as err:
        raise InvalidEvent(f"header is not UTF-8: {err}") from err


def _pairs(headers: Sequence[tuple[str, bytes]] | Mapping[str, bytes]) -> Iterable[tuple[str, bytes]]:
    return headers.items() if isinstance(headers, Mapping) else headers


def _parse_time(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as err:
        raise InvalidEvent(f"ce_time is not an RFC 3339 timestamp: {raw!r}") from err


def decode(headers: Sequence[tuple[str, bytes]] | Mapping[str, bytes], value: bytes) -> Envelope:
    """Decode a binary-mode record; raise InvalidEvent naming what is wrong."""
    attrs = _header_map(headers)
    missing = [name for name in REQUIRED_HEADERS if not attrs.get(name)]
    if missing:
        raise InvalidEvent(f"missing CloudEvents headers: {', '.join(missing)}")
    if attrs["ce_specversion"] != SPECVERSION:
        raise InvalidEvent(f"unsupported ce_specversion {attrs['ce_specversion']!r}")
    content_type = attrs.get("content-type", CONTENT_TYPE)
    if not content_type.startswith(CONTENT_TYPE):
        raise InvalidEvent(f"unsupported content-type {content_type!r}")
    spec = spec_for_type(attrs["ce_type"])
    if spec is None:
        raise InvalidEvent(f"unknown ce_type {attrs['ce_type']!r}")
    try:
        payload = orjson.loads(value)
    except orjson.JSONDecodeError as err:
        raise InvalidEvent(f"value is not JSON: {err}") from err
    try:
        data = spec.model.model_validate(payload)
    except ValidationError as err:
        raise InvalidEvent(f"data does not match {spec.type}: {_describe(err)}") from err
    return Envelope(
        id=attrs["ce_id"],
        source=attrs["ce_source"],
        type=spec.type,
        time=_parse_time(attrs.get("ce_time")),
        data=data,
    )


def _describe(err: ValidationError) -> str:
    """Name each failing field and its problem, without echoing values (they may be personal)."""
    parts = [f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in err.errors()]
    return "; ".join(parts[:5])
