"""The example subscriber skips records that are not valid registrations instead of stopping."""

import uuid
from types import ModuleType, SimpleNamespace

import pytest

from support import load_script


def _example() -> ModuleType:
    return load_script("examples/consumer.py")


HEADERS = {
    "ce_specversion": b"1.0",
    "ce_id": b"1",
    "ce_source": b"/test",
    "ce_type": b"id.jangkau.bpu.worker.registered.v1",
    "content-type": b"application/json",
}
GOOD = b'{"participant_id": "%s", "branch": "jambi"}' % str(uuid.uuid4()).encode()
POISON = {
    "malformed JSON": (HEADERS, b'{"participant_id": '),
    "a JSON list": (HEADERS, b"[1, 2]"),
    "no participant id": (HEADERS, b'{"branch": "jambi"}'),
    "missing ce headers": ({"content-type": b"application/json"}, GOOD),
    "another type": ({**HEADERS, "ce_type": b"id.jangkau.bpu.contribution.paid.v1"}, GOOD),
}


def _record(headers: dict[str, bytes], value: bytes) -> SimpleNamespace:
    return SimpleNamespace(headers=list(headers.items()), key=b"k", value=value)


@pytest.mark.parametrize(("headers", "value"), POISON.values(), ids=POISON.keys())
def test_a_record_that_is_not_a_registration_is_skipped(headers: dict[str, bytes], value: bytes) -> None:
    assert _example().registration(_record(headers, value)) is None


def test_a_registration_is_read() -> None:
    data = _example().registration(_record(HEADERS, GOOD))
    assert data is not None
    assert data["branch"] == "jambi"
