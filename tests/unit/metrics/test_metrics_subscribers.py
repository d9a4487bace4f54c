"""The subscribers under FastStream's TestKafkaBroker: bad records dead-lettered, good ones applied."""

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from faststream.kafka import TestKafkaBroker
from faststream.message import StreamMessage
from metrics_fakes import FakeCoverageStore, payment, registration

from jangkau_metrics.bootstrap import bootstrap
from jangkau_metrics.config import MetricsSettings
from jangkau_metrics.entrypoints.consumer import consumer_groups
from jangkau_shared import topics
from jangkau_shared.envelope import encode
from jangkau_shared.events import EventData
from jangkau_shared.topics import dead_letter_topic

SETTINGS = MetricsSettings(
    environment="test",
    kafka_bootstrap_servers="localhost:9",
    database_url="postgresql+asyncpg://nobody@localhost:9/none",
)


def _record(data: EventData) -> tuple[bytes, bytes, dict[str, str]]:
    record = encode(data, event_id=str(uuid4()), source="/test", time=datetime(2018, 3, 1, tzinfo=UTC))
    return record.value, record.key, {k: v.decode() for k, v in record.headers}


async def test_a_batch_with_a_broken_record_applies_the_rest_and_dead_letters_the_broken_one() -> None:
    metrics = bootstrap(SETTINGS)
    metrics.store = FakeCoverageStore()  # type: ignore[assignment]
    pid = uuid4()
    value, key, headers = _record(registration(pid))
    dead: list[bytes] = []

    async def raw_body(message: StreamMessage[Any]) -> bytes:
        return message.body

    @metrics.broker.subscriber(dead_letter_topic(topics.WORKER_REGISTERED), decoder=raw_body)
    async def collect(body: bytes) -> None:
        dead.append(body)

    async with TestKafkaBroker(metrics.broker) as broker:
        await broker.publish(value, topics.WORKER_REGISTERED, key=key, headers=headers)
        await broker.publish(b"{broken", topics.WORKER_REGISTERED, key=key, headers=headers)
        paid = payment(pid, uuid4())
        value, key, headers = _record(paid)
        await broker.publish(value, topics.CONTRIBUTION_PAID, key=key, headers=headers)

    await metrics.refresh()
    assert metrics.snapshot.coverage.tally(paid.paid_on, lambda k: k.branch)["jambi"].registered == 1
    assert metrics.snapshot.ledger.by_branch_payer()[0][("jambi", "village_fund")] == 1
    assert metrics.stats.dead_lettered == {topics.WORKER_REGISTERED: 1}
    assert dead == [b"{broken"]


def test_each_consumer_has_its_own_group_so_one_joining_never_rebalances_the_other() -> None:
    metrics = bootstrap(SETTINGS)
    subscribed = {
        sub.group_id: sorted(t.name for t in sub.topics)
        for sub in metrics.broker.subscribers
        if sub.group_id is not None
    }
    assert subscribed == {
        "jangkau-metrics": [
            SETTINGS.topic(topics.CONTRIBUTION_PAID),
            SETTINGS.topic(topics.WORKER_REGISTERED),
        ],
        "jangkau-metrics.campaigns": sorted(
            SETTINGS.topic(t) for t in (topics.CAMPAIGN_CLOSED, topics.CAMPAIGN_HELD, topics.CAMPAIGN_PLANNED)
        ),
    }
    assert subscribed == {group: sorted(names) for group, names in consumer_groups(SETTINGS).items()}
