"""A replay from offset 0 into a fresh store equals the live store, cell by cell, or says where not."""

import asyncio
import os
import sys
from asyncio.subprocess import PIPE, STDOUT
from datetime import date
from uuid import uuid4

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from metrics_kit import (
    AT,
    Clock,
    Factory,
    payment,
    producer_fixture,  # noqa: F401
    publish,
    registration,
    settings_for,
    settle,
    start_metrics,
)

from jangkau_metrics.config import MetricsSettings
from jangkau_metrics.entrypoints.replay import replay
from jangkau_shared.events import CampaignClosedV1, PayerType
from support import Stack

pytestmark = pytest.mark.integration


async def _live_store(
    stack: Stack, new_database: Factory, producer: AIOKafkaProducer, topic_prefix: str
) -> MetricsSettings:
    """Publish a mixed history (duplicates, an early payment, a bad record) and let live apply it."""
    settings = settings_for(stack, database_url=await new_database(), topic_prefix=topic_prefix)
    people = [uuid4() for _ in range(30)]
    booth = uuid4()
    events = [
        payment(people[0]),  # before its registration
        *(registration(p, campaign=booth if i % 3 == 0 else None) for i, p in enumerate(people)),
        *(payment(p, payer=PayerType.VILLAGE_FUND, campaign=booth) for p in people[1:15]),
        payment(people[2], first="2017-11", months=12, through="2018-10"),
        CampaignClosedV1(campaign_id=booth, branch="denpasar", outcome="cancelled", closed_at=AT),
    ]
    await publish(producer, topic_prefix, events)
    await publish(producer, topic_prefix, events[5:12])  # redelivered facts under new event ids
    await producer.send_and_wait(f"{topic_prefix}bpu.worker.registered.v1", b"{broken", key=b"x")
    live = await start_metrics(settings, Clock(date(2017, 8, 20)))
    try:
        await settle(live, applied=len(events) + 7, what="live store caught up")
    finally:
        await live.stop()
    return settings


async def test_a_replay_from_offset_zero_rebuilds_exactly_the_live_store(
    stack: Stack, new_database: Factory, producer: AIOKafkaProducer, topic_prefix: str
) -> None:
    settings = await _live_store(stack, new_database, producer, topic_prefix)

    report = await replay(settings, into=await new_database(), max_records=7)

    assert report.differences == []
    assert report.events == 47 + 7 + 1  # the history, seven of it again, one broken record
    assert report.rejected == 1


async def test_replay_exits_non_zero_and_prints_the_cells_that_differ(
    stack: Stack, new_database: Factory, producer: AIOKafkaProducer, topic_prefix: str
) -> None:
    settings = await _live_store(stack, new_database, producer, topic_prefix)
    live_db = settings.database_url.get_secret_value().rsplit("/", 1)[1]
    conn = await asyncpg.connect(stack.dsn(live_db))
    try:  # corrupt one live row: a replay must notice
        await conn.execute(
            "UPDATE participants SET paid_through = paid_through + 1 WHERE participant_id ="
            " (SELECT min(participant_id::text)::uuid FROM participants WHERE paid_through IS NOT NULL)"
        )
    finally:
        await conn.close()
    env = {
        "JANGKAU_METRICS_KAFKA_BOOTSTRAP_SERVERS": stack.kafka,
        "JANGKAU_METRICS_KAFKA_TOPIC_PREFIX": topic_prefix,
        "JANGKAU_METRICS_DATABASE_URL": settings.database_url.get_secret_value(),
        "JANGKAU_METRICS_CONSUMER_GROUP": settings.consumer_group,
        "JANGKAU_METRICS_ENVIRONMENT": "test",
        "JANGKAU_METRICS_LOG_JSON": "false",
    }
    into = await new_database()
    command = [sys.executable, "-m", "jangkau_metrics.entrypoints.cli", "replay", "--into", into]
    done = await asyncio.create_subprocess_exec(
        *command, env={**os.environ, **env}, stdout=PIPE, stderr=STDOUT
    )
    output = (await done.communicate())[0].decode()

    assert done.returncode == 1, output
    diffs = [line for line in output.splitlines() if line.startswith("DIFF ")]
    assert len(diffs) == 2, output  # the corrupted participant's group as it is, and as it should be
    assert all(line.startswith("DIFF participants denpasar/") for line in diffs), output
