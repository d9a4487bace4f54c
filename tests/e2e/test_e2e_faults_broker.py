"""Fault 3: the Kafka broker stopped (SIGTERM, and SIGKILL) under load and started again.

The registration API keeps accepting while the broker is away: its answers depend on the
database only, and the outbox holds the events. Once the broker is back the relay drains the
outbox, the consumers rejoin their groups, and every accepted item is on its topic and counted
exactly once.
"""

import asyncio
import signal
import uuid
from collections import Counter

import pytest
from e2e_stack import RunningStack
from fault_kit import (
    STATE,
    ApiLoad,
    campaign_counts,
    deploy,
    gauge,
    gone,
    jambi_workers,
    keys_on,
    kill,
    settled,
)
from fault_summary import FaultRow

from jangkau_shared import topics
from support import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

BACKLOG = 'jangkau_outbox_backlog_events{service="registration"}'


def _broker_pid() -> int:
    return int((STATE / "kafka" / "kafka.pid").read_text().split()[0])


@pytest.mark.timeout(360)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
async def test_broker_stopped_under_load_loses_and_doubles_nothing(
    running_stack: RunningStack, fault_row: FaultRow, sig: signal.Signals
) -> None:
    fault_row.fault = f"Kafka broker {sig.name} under load, started again"
    campaign = str(uuid.uuid4())
    # More than enough people: the load runs until it is told to stop, however long the broker
    # takes to shut down and to come back.
    load = ApiLoad(running_stack, jambi_workers(1600, campaign), batch=20, pause=0.3)
    load.start()
    try:
        await asyncio.to_thread(load.wait_batches, 2)
        pid = _broker_pid()
        try:
            await asyncio.to_thread(kill, pid, sig, 90)
            during = load.sent_batches
            # The API keeps accepting with the broker away: wait for two more answered batches.
            await asyncio.to_thread(load.wait_batches, during + 2, 90)
            accepted_during = load.sent_batches - during
        finally:
            if gone(pid):
                await asyncio.to_thread(deploy, "kafka", "start")
        await asyncio.to_thread(load.wait_batches, load.sent_batches + 2, 90)
    finally:
        load.stop.set()
        await asyncio.to_thread(load.join, 180)
    fault_row.load = load.items

    accepted = set(load.accepted)
    bootstrap = running_stack.kafka

    async def on_topic() -> Counter[str]:
        keys = await keys_on(bootstrap, topics.WORKER_REGISTERED)
        return Counter(k.decode() for k in keys if k.decode() in accepted)

    try:
        published = await eventually(
            on_topic, until=lambda c: set(c) == accepted, timeout=150, interval=2.0, what="outbox drained"
        )
    except AssertionError:
        published = await on_topic()
    backlog = settled(lambda: gauge(running_stack, BACKLOG, "registration"), 0.0, 30, "outbox backlog")
    expected = load.expected
    seen = settled(lambda: campaign_counts(running_stack, campaign), expected, 150, "campaign counts")
    fault_row.checked = sum(expected.values())
    fault_row.over_under_counts(expected, seen)
    fault_row.lost = max(fault_row.lost, len(accepted - set(published)))
    fault_row.mismatched = int(seen != expected) + int(backlog != 0)
    republished = sum(n - 1 for n in published.values())
    fault_row.note = (
        f"{accepted_during} batches accepted while the broker was down;"
        f" {republished} registrations published twice by the relay (at-least-once), counted once"
    )

    assert not load.problems, load.problems[:5]
    assert set(load.statuses) == {200}
    assert accepted_during >= 2
    assert load.answered == 20 * load.sent_batches
    assert set(published) == accepted, f"{len(accepted - set(published))} accepted never published"
    assert backlog == 0
    assert seen == expected
