"""Exact counts on the real broker and database: duplicates, redelivery, restarts, early payments."""

from collections.abc import AsyncIterator
from datetime import date
from uuid import uuid4

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from metrics_kit import (
    Clock,
    Factory,
    payment,
    producer_fixture,  # noqa: F401
    publish,
    registration,
    settings_for,
    settle,
    start_metrics,
    states,
    value,
)

from jangkau_metrics.bootstrap import Metrics
from jangkau_metrics.config import MetricsSettings
from jangkau_shared import topics
from jangkau_shared.events import PayerType
from support import Stack

pytestmark = pytest.mark.integration


@pytest.fixture
async def settings(stack: Stack, new_database: Factory, topic_prefix: str) -> MetricsSettings:
    return settings_for(stack, database_url=await new_database(), topic_prefix=topic_prefix)


@pytest.fixture
async def metrics(settings: MetricsSettings) -> AsyncIterator[Metrics]:
    svc = await start_metrics(settings, Clock(date(2017, 8, 20)))
    yield svc
    await svc.stop()


async def test_duplicated_events_count_once(
    metrics: Metrics, producer: AIOKafkaProducer, topic_prefix: str
) -> None:
    people = [uuid4() for _ in range(3)]
    paid = [payment(people[0]), payment(people[1], payer=PayerType.VILLAGE_FUND)]
    events = [*(registration(p) for p in people), *paid]
    await publish(producer, topic_prefix, events)
    await publish(producer, topic_prefix, events)  # the same facts again, under new event ids

    await settle(metrics, applied=10, what="ten events applied")
    assert states(metrics) == {"registered": 3, "never_paid": 1, "active": 2}
    assert value(metrics, "jangkau_contributions_received_total", branch="denpasar", payer_type="self") == 1
    assert value(
        metrics, "jangkau_contributions_received_rupiah_total", branch="denpasar", payer_type="self"
    ) == (50_400)
    registered_topic = f"{topic_prefix}{topics.WORKER_REGISTERED}"
    assert value(metrics, "jangkau_events_without_effect_total", topic=registered_topic) == 3


async def test_a_payment_before_its_registration_is_kept_and_counted_once_it_registers(
    metrics: Metrics, producer: AIOKafkaProducer, topic_prefix: str
) -> None:
    pid = uuid4()
    await publish(producer, topic_prefix, [payment(pid)])
    await settle(
        metrics,
        applied=1,
        what="the early payment held",
        check=lambda: metrics.snapshot.coverage.awaiting_registration["denpasar"] == 1,
    )
    assert states(metrics) == {"registered": 0}
    assert value(metrics, "jangkau_participants_awaiting_registration", branch="denpasar") == 1

    await publish(
        producer,
        topic_prefix,
        [registration(pid), payment(pid, first="2017-08", months=1, through="2017-08")],
    )
    await settle(metrics, applied=3, what="registration applied")
    assert states(metrics) == {"registered": 1, "active": 1}
    assert value(metrics, "jangkau_participants_awaiting_registration", branch="denpasar") == 0
    assert value(metrics, "jangkau_contributions_received_total", branch="denpasar", payer_type="self") == 2


async def test_redelivery_after_a_restart_from_offset_zero_changes_no_count(
    settings: MetricsSettings, stack: Stack, producer: AIOKafkaProducer, topic_prefix: str
) -> None:
    people = [uuid4() for _ in range(20)]
    events = [*(registration(p) for p in people), *(payment(p) for p in people[:12])]
    first = await start_metrics(settings, Clock(date(2017, 8, 20)))
    await publish(producer, topic_prefix, events)
    await settle(first, applied=32, what="first instance caught up")
    before = states(first)
    await first.stop()

    await _rewind_group(stack, settings)  # as if no acknowledgement had ever reached the broker
    second = await start_metrics(settings, Clock(date(2017, 8, 20)))
    try:
        assert states(second) == before  # loaded from the store at start
        await settle(second, applied=32, what="second instance re-read everything")
        assert states(second) == before == {"registered": 20, "active": 12, "never_paid": 8}
    finally:
        await second.stop()


async def test_a_batch_committed_but_not_acknowledged_is_redelivered_without_double_counting(
    settings: MetricsSettings, producer: AIOKafkaProducer, topic_prefix: str
) -> None:
    svc = await start_metrics(settings, Clock(date(2017, 8, 20)))
    original = svc.store.participant_batch
    crashes = {"left": 1}

    def crash_after_commit():  # type: ignore[no-untyped-def]
        return _CrashAfterCommit(original(), crashes)

    svc.store.participant_batch = crash_after_commit  # type: ignore[method-assign]
    try:
        people = [uuid4() for _ in range(5)]
        await publish(producer, topic_prefix, [*(registration(p) for p in people), payment(people[0])])
        await settle(
            svc,
            applied=6,
            what="batch redelivered and applied",
            check=lambda: svc.stats.retries["participants"] >= 1,
        )
        assert states(svc) == {"registered": 5, "never_paid": 4, "active": 1}
        assert value(svc, "jangkau_contributions_received_total", branch="denpasar", payer_type="self") == 1
        assert value(svc, "jangkau_consumer_retries_total", consumer="participants") >= 1
        assert sum(svc.stats.dead_lettered.values()) == 0
    finally:
        await svc.stop()


class _CrashAfterCommit:
    """Commits the transaction, then fails once as if the process died before acknowledging."""

    def __init__(self, inner, crashes: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
        self._inner, self._crashes = inner, crashes

    async def __aenter__(self):  # type: ignore[no-untyped-def]
        return await self._inner.__aenter__()

    async def __aexit__(self, *exc: object) -> None:
        await self._inner.__aexit__(*exc)
        if exc[0] is None and self._crashes["left"] > 0:
            self._crashes["left"] -= 1
            raise ConnectionResetError("simulated crash between commit and acknowledgement")


async def test_a_database_outage_retries_with_backoff_and_dead_letters_nothing(
    settings: MetricsSettings, stack: Stack, producer: AIOKafkaProducer, topic_prefix: str
) -> None:
    svc = await start_metrics(settings, Clock(date(2017, 8, 20)))
    name = settings.database_url.get_secret_value().rsplit("/", 1)[1]
    admin = await asyncpg.connect(stack.dsn("postgres"))
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name)
        people = [uuid4() for _ in range(4)]
        await publish(producer, topic_prefix, [registration(p) for p in people])
        await settle(svc, applied=0, what="retries", check=lambda: svc.stats.retries["participants"] >= 2)
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await settle(svc, applied=4, what="applied after the outage")
        assert states(svc) == {"registered": 4, "never_paid": 4}
        assert sum(svc.stats.dead_lettered.values()) == 0
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin.close()
        await svc.stop()


async def _rewind_group(stack: Stack, settings: MetricsSettings) -> None:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=stack.kafka, group_id=settings.consumer_group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        names = [settings.topic(t) for t in (topics.WORKER_REGISTERED, topics.CONTRIBUTION_PAID)]
        partitions = [TopicPartition(n, p) for n in names for p in range(topics.PARTICIPANT_TOPIC_PARTITIONS)]
        consumer.assign(partitions)
        await consumer.commit({tp: 0 for tp in partitions})
    finally:
        await consumer.stop()
