"""Fault 4: PostgreSQL stopped and started again under load.

While the database is down every API that needs it answers 503 with Retry-After and a problem
body (never a 500, never a stack trace); the consumers put their batches back and pause; once it
is back, the load's retries go through and every count equals what was accepted.
"""

import asyncio
import uuid

import httpx
import pytest
from e2e_stack import RunningStack
from fault_kit import (
    ApiLoad,
    campaign_counts,
    deploy,
    jambi_workers,
    produce,
    registered_event,
    settled,
    total,
)
from fault_summary import FaultRow

from jangkau_shared.envelope import KafkaRecord
from jangkau_shared.http import PROBLEM_JSON
from support import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

RETRIES = "jangkau_consumer_retries_total"


def _needs_database(stack: RunningStack) -> dict[str, httpx.Response]:
    """One request per service that has to reach the database."""
    headers = {"Authorization": f"Bearer {stack.token}"}
    nobody = "00000000-0000-4000-8000-000000000000"
    calls = {
        "registration": f"{stack.url('registration')}/v1/participants/{nobody}",
        "campaigns": f"{stack.url('campaigns')}/v1/campaigns/{nobody}",
        "metrics": f"{stack.url('metrics')}/v1/coverage?by=village",  # villages are read from the store
    }
    return {name: httpx.get(url, headers=headers, timeout=30) for name, url in calls.items()}


def _proper_503(answer: httpx.Response) -> bool:
    return (
        answer.status_code == 503
        and answer.headers.get("content-type") == PROBLEM_JSON
        and answer.headers.get("retry-after", "").isdigit()
        and answer.json().get("status") == 503
        and "Traceback" not in answer.text
    )


async def _during_outage(
    stack: RunningStack, load: ApiLoad, produced: list[KafkaRecord], retries_before: float
) -> dict[str, httpx.Response]:
    """With the database down: ask each service, produce events, and wait until both the
    consumers and the load have met the outage; return the services' answers."""
    outage = await asyncio.to_thread(_needs_database, stack)
    # Events that arrive while the database is down: the consumers must put them back.
    await produce(stack.kafka, produced)
    await eventually(
        lambda: asyncio.to_thread(total, stack, RETRIES),
        until=lambda n: n > retries_before,
        timeout=60,
        interval=0.5,
        what="a consumer batch put back while the database is down",
    )
    await eventually(
        lambda: asyncio.to_thread(len, load.unavailable),
        until=bool,
        timeout=60,
        interval=0.5,
        what="the load answered 503 while the database is down",
    )
    return outage


@pytest.mark.timeout(300)
async def test_postgres_restarted_under_load_answers_503_and_loses_nothing(
    running_stack: RunningStack, fault_row: FaultRow
) -> None:
    fault_row.fault = "PostgreSQL stopped (fast shutdown) under load, started again"
    campaign, produced_campaign = str(uuid.uuid4()), str(uuid.uuid4())
    # More than enough people: the load runs until it is told to stop.
    load = ApiLoad(running_stack, jambi_workers(1600, campaign), pause=0.3, retry_unavailable=True)
    produced = [registered_event(produced_campaign) for _ in range(60)]
    retries_before = total(running_stack, RETRIES)
    load.start()
    try:
        await asyncio.to_thread(load.wait_batches, 2)
        await asyncio.to_thread(deploy, "postgres", "stop")
        try:
            outage = await _during_outage(running_stack, load, produced, retries_before)
        finally:
            await asyncio.to_thread(deploy, "postgres", "start")
        await asyncio.to_thread(load.wait_batches, load.sent_batches + 2, 90)
    finally:
        load.stop.set()
        await asyncio.to_thread(load.join, 180)
    fault_row.load = load.items + len(produced)

    expected = load.expected
    seen = settled(lambda: campaign_counts(running_stack, campaign), expected, 120, "API load counts")
    produced_seen = settled(
        lambda: campaign_counts(running_stack, produced_campaign),
        {"registered": len(produced), "paid": 0},
        120,
        "counts of the events produced during the outage",
    )
    after = await asyncio.to_thread(_needs_database, running_stack)
    server_errors = [s for s in load.statuses if s >= 500 and s != 503]
    bad_503 = [a.text[:200] for a in load.unavailable if not _proper_503(a)]
    fault_row.checked = sum(expected.values()) + len(produced)
    fault_row.over_under_counts(expected, seen)
    fault_row.over_under(len(produced), produced_seen.get("registered", 0))
    fault_row.leaked = len(server_errors) + len(bad_503) + sum(not _proper_503(a) for a in outage.values())
    fault_row.mismatched = int(seen != expected) + int(produced_seen.get("registered") != len(produced))
    fault_row.note = (
        f"{len(load.unavailable)} answers 503 to the load during the outage, then retried;"
        f" consumer retries +{total(running_stack, RETRIES) - retries_before:.0f}"
    )

    assert {n: a.status_code for n, a in outage.items() if not _proper_503(a)} == {}, {
        n: a.text[:300] for n, a in outage.items()
    }
    assert not server_errors, f"answers >= 500 other than 503: {server_errors}"
    assert not bad_503, bad_503[:3]
    assert not load.problems, load.problems[:5]
    assert load.answered == 40 * load.sent_batches
    assert len(load.paid) == load.payments_sent
    assert seen == expected
    assert produced_seen == {"registered": len(produced), "paid": 0}
    assert {n: a.status_code for n, a in after.items()} == {
        "registration": 404,
        "campaigns": 404,
        "metrics": 200,
    }
