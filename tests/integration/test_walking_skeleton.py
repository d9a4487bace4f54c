"""Walking skeleton: a registration accepted over HTTP becomes an event on Kafka and a count."""

from collections.abc import AsyncIterator
from datetime import date
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from jangkau_metrics.bootstrap import MIGRATIONS as METRICS_MIGRATIONS
from jangkau_metrics.bootstrap import Metrics
from jangkau_metrics.bootstrap import bootstrap as bootstrap_metrics
from jangkau_metrics.config import MetricsSettings
from jangkau_metrics.entrypoints.http import create_app as metrics_app
from jangkau_registration.bootstrap import MIGRATIONS as REGISTRATION_MIGRATIONS
from jangkau_registration.bootstrap import Registration
from jangkau_registration.bootstrap import bootstrap as bootstrap_registration
from jangkau_registration.config import RegistrationSettings
from jangkau_registration.entrypoints.http import create_app as registration_app
from jangkau_shared import db, topics
from jangkau_shared.envelope import decode
from support import TEST_NIK_ENCRYPTION_KEY, TEST_NIK_HMAC_KEY, Stack, eventually

pytestmark = pytest.mark.integration


@pytest.fixture
async def registration(stack: Stack, new_database, topic_prefix: str) -> AsyncIterator[Registration]:  # type: ignore[no-untyped-def]
    settings = RegistrationSettings(
        environment="test",
        kafka_bootstrap_servers=stack.kafka,
        kafka_topic_prefix=topic_prefix,
        database_url=await new_database(),
        nik_encryption_key=TEST_NIK_ENCRYPTION_KEY,
        nik_hmac_key=TEST_NIK_HMAC_KEY,
    )
    reg = bootstrap_registration(settings)
    await db.upgrade(reg.engine, REGISTRATION_MIGRATIONS)
    await reg.start()
    yield reg
    await reg.stop()


@pytest.fixture
async def metrics(stack: Stack, new_database, topic_prefix: str) -> AsyncIterator[Metrics]:  # type: ignore[no-untyped-def]
    settings = MetricsSettings(
        environment="test",
        kafka_bootstrap_servers=stack.kafka,
        kafka_topic_prefix=topic_prefix,
        database_url=await new_database(),
        consumer_group=f"{topic_prefix}metrics",
    )
    svc = bootstrap_metrics(settings)
    await db.upgrade(svc.engine, METRICS_MIGRATIONS)
    await svc.start()
    yield svc
    await svc.stop()


def _sesetan_street_vendor(nik: str) -> dict[str, object]:
    return {
        "client_id": str(uuid4()),
        "nik": nik,
        "name": "Ni Made Contoh",
        "branch": "denpasar",
        "village_code": "51.71.01.1003",
        "segment": "street_vendor",
        "programmes": ["JKK", "JKM"],
        "income_bracket": 1_000_000,
        "channel": "booth",
        "registered_on": date(2017, 8, 13).isoformat(),
    }


def _client(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")  # type: ignore[arg-type]


async def test_a_registration_over_http_becomes_one_event_and_one_count(
    stack: Stack, registration: Registration, metrics: Metrics, topic_prefix: str
) -> None:
    _, token = await registration.tokens.create("skeleton", ["denpasar"])
    async with _client(registration_app(registration)) as api, _client(metrics_app(metrics)) as ops:
        api.headers["Authorization"] = f"Bearer {token}"
        first = await api.post("/v1/registrations", json=_sesetan_street_vendor("5171015508170001"))
        again = await api.post("/v1/registrations", json=_sesetan_street_vendor("5171015508170001"))

        assert first.status_code == 201, first.text
        assert again.status_code == 409
        assert again.json()["participant_id"] == first.json()["participant_id"]

        async def scrape() -> str:
            return (await ops.get("/metrics")).text

        page = await eventually(
            scrape,
            until=lambda text: 'jangkau_participants_registered{branch="denpasar"}' in text,
            what="registered count on /metrics",
        )
    assert 'jangkau_participants_registered{branch="denpasar"} 1.0' in page

    consumer = AIOKafkaConsumer(
        f"{topic_prefix}{topics.WORKER_REGISTERED}",
        bootstrap_servers=stack.kafka,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=10_000)
    finally:
        await consumer.stop()
    records = [r for rs in batch.values() for r in rs]
    assert len(records) == 1
    assert records[0].key == first.json()["participant_id"].encode()
    event = decode(records[0].headers, records[0].value)
    assert str(event.data.participant_id) == first.json()["participant_id"]  # type: ignore[attr-defined]
    assert b"5171015508170001" not in records[0].value
    assert b"Contoh" not in records[0].value
