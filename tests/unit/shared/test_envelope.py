"""The CloudEvents Kafka binding: what we write, the official SDK reads; what is wrong is named."""

import orjson
import pytest
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary_event
from examples import AT, PARTICIPANT, every_event

from jangkau_shared import topics
from jangkau_shared.envelope import InvalidEvent, decode, encode
from jangkau_shared.events import EventData, spec_for_model


@pytest.mark.parametrize("data", every_event(), ids=lambda d: type(d).__name__)
def test_the_official_cloudevents_sdk_reads_every_event_we_write(data: EventData) -> None:
    record = encode(data, event_id="evt-1", source="/jangkau/test", time=AT)
    event = from_binary_event(KafkaMessage(dict(record.headers), record.key, record.value))
    assert event.get_id() == "evt-1"
    assert event.get_source() == "/jangkau/test"
    assert event.get_type() == spec_for_model(type(data)).type
    assert event.get_specversion() == "1.0"
    assert event.get_time() == AT
    assert event.get_data() == data.model_dump(mode="json")


@pytest.mark.parametrize("data", every_event(), ids=lambda d: type(d).__name__)
def test_an_event_survives_encoding_and_decoding_unchanged(data: EventData) -> None:
    record = encode(data, event_id="evt-2", source="/jangkau/test", time=AT)
    envelope = decode(record.headers, record.value)
    assert envelope.data == data
    assert (envelope.id, envelope.source, envelope.time) == ("evt-2", "/jangkau/test", AT)


def test_records_are_keyed_by_the_entity_they_are_about() -> None:
    registered = encode(every_event()[0], event_id="e", source="/s", time=AT)
    assert registered.key == str(PARTICIPANT).encode()
    assert registered.topic == topics.WORKER_REGISTERED


def _registered_record() -> tuple[dict[str, bytes], bytes]:
    record = encode(every_event()[0], event_id="e", source="/s", time=AT)
    return dict(record.headers), record.value


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (
            lambda h, v: ({k: x for k, x in h.items() if k != "ce_id"}, v),
            "missing CloudEvents headers: ce_id",
        ),
        (lambda h, v: (h | {"ce_type": b"id.jangkau.nope.v9"}, v), "unknown ce_type 'id.jangkau.nope.v9'"),
        (lambda h, v: (h | {"ce_specversion": b"0.3"}, v), "unsupported ce_specversion '0.3'"),
        (lambda h, v: (h, b"{not json"), "value is not JSON"),
        (lambda h, v: (h | {"content-type": b"text/plain"}, v), "unsupported content-type 'text/plain'"),
        (lambda h, v: (h | {"ce_time": b"yesterday"}, v), "ce_time is not an RFC 3339 timestamp"),
    ],
)
@pytest.mark.parametrize("form", [dict, lambda h: list(h.items()), lambda h: tuple(h.items())])
def test_a_broken_record_is_rejected_with_a_reason_that_names_the_problem(mutate, reason, form) -> None:  # type: ignore[no-untyped-def]
    headers, value = mutate(*_registered_record())
    with pytest.raises(InvalidEvent) as caught:
        decode(form(headers), value)
    assert reason in caught.value.reason


def test_headers_as_aiokafka_gives_them_and_as_a_mapping_decode_alike() -> None:
    headers, value = _registered_record()
    assert decode(tuple(headers.items()), value) == decode(headers, value)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda h: {k.upper(): v for k, v in h.items()},
        lambda h: h | {"content-type": b"application/json; charset=utf-8"},
        lambda h: {k: v for k, v in h.items() if k not in ("content-type", "ce_time")},
    ],
    ids=["upper-case names", "charset parameter", "optional headers absent"],
)
def test_valid_headers_written_differently_still_decode(mutate) -> None:  # type: ignore[no-untyped-def]
    headers, value = _registered_record()
    envelope = decode(tuple(mutate(headers).items()), value)
    assert (envelope.id, envelope.source, envelope.data) == ("e", "/s", every_event()[0])


def test_a_header_that_is_not_utf8_is_named() -> None:
    headers, value = _registered_record()
    with pytest.raises(InvalidEvent, match="header is not UTF-8"):
        decode(tuple((headers | {"ce_id": b"\xff\xfe"}).items()), value)


def test_schema_invalid_data_names_the_field_and_not_the_value() -> None:
    headers, value = _registered_record()
    payload = orjson.loads(value) | {"village_code": "SECRET-VALUE"}
    with pytest.raises(InvalidEvent) as caught:
        decode(headers, orjson.dumps(payload))
    assert "village_code" in caught.value.reason
    assert "SECRET-VALUE" not in caught.value.reason


def test_an_unknown_field_in_the_data_is_rejected() -> None:
    headers, value = _registered_record()
    payload = orjson.loads(value) | {"nik": "5171014508170001"}
    with pytest.raises(InvalidEvent, match="nik"):
        decode(headers, orjson.dumps(payload))
