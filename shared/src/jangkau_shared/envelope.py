"""CloudEvents 1.0 Kafka protocol binding, binary content mode: ``ce_*`` headers, JSON value."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, NamedTuple

import orjson
from pydantic import ValidationError

from jangkau_shared.events import EVENT_SPECS, EventData, EventSpec, spec_for_model, spec_for_type

SPECVERSION: Final = "1.0"
CONTENT_TYPE: Final = "application/json"
REQUIRED_HEADERS: Final = ("ce_id", "ce_source", "ce_type", "ce_specversion")

Headers = list[tuple[str, bytes]]

_SPECVERSION_BYTES: Final = SPECVERSION.encode()
_CONTENT_TYPE_BYTES: Final = CONTENT_TYPE.encode()
#: Event specs by their ``ce_type`` header as it arrives (bytes), for the short decoding path.
_SPECS_BY_HEADER: Final = {spec.type.encode(): spec for spec in EVENT_SPECS}


class InvalidEvent(ValueError):
    """A record that is not a valid event of the contract; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Envelope(NamedTuple):
    """One decoded event: CloudEvents attributes and the typed payload (a tuple: one per record)."""

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
    try:
        return {name.lower(): str(value, "utf-8") for name, value in _pairs(headers)}
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
    """Decode a binary-mode record; raise InvalidEvent naming what is wrong.

    Records as Jangkau writes them (lower-case ``ce_*`` names, specversion 1.0, JSON) take a short
    path that decodes only the attributes kept; anything else takes the general path, which also
    names what is wrong.
    """
    fast = _conforming(headers)
    if fast is None:
        return _decode(_header_map(headers), value)
    spec, event_id, source, time = fast
    return Envelope(event_id, source, spec.type, _parse_time(time), _data(spec, value))


def _conforming(
    headers: Sequence[tuple[str, bytes]] | Mapping[str, bytes],
) -> tuple[EventSpec, str, str, str | None] | None:
    """The spec, id, source and time of headers exactly as Jangkau writes them, else None."""
    if type(headers) is not tuple and type(headers) is not list:
        return None
    found: dict[str, bytes] = dict(headers)
    spec = _SPECS_BY_HEADER.get(found.get("ce_type", b""))
    if spec is None or found.get("ce_specversion") != _SPECVERSION_BYTES:
        return None
    if found.get("content-type", _CONTENT_TYPE_BYTES) != _CONTENT_TYPE_BYTES:
        return None
    event_id, source, time = found.get("ce_id"), found.get("ce_source"), found.get("ce_time")
    if not event_id or not source:
        return None
    try:
        at = None if time is None else str(time, "utf-8")
        return spec, str(event_id, "utf-8"), str(source, "utf-8"), at
    except (UnicodeDecodeError, TypeError):  # the general path names what is wrong
        return None


def _decode(attrs: dict[str, str], value: bytes) -> Envelope:
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
    return Envelope(
        id=attrs["ce_id"],
        source=attrs["ce_source"],
        type=spec.type,
        time=_parse_time(attrs.get("ce_time")),
        data=_data(spec, value),
    )


def _data(spec: EventSpec, value: bytes) -> EventData:
    """Parse and validate the payload in one pass of pydantic-core (no intermediate dict)."""
    try:
        return spec.model.model_validate_json(value)
    except ValidationError as err:
        if any(e["type"] == "json_invalid" for e in err.errors()):
            raise InvalidEvent(f"value is not JSON: {_describe(err)}") from err
        raise InvalidEvent(f"data does not match {spec.type}: {_describe(err)}") from err


def _describe(err: ValidationError) -> str:
    """Name each failing field and its problem, without echoing values (they may be personal)."""
    parts = [f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in err.errors()]
    return "; ".join(parts[:5])
