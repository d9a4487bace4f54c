"""Faults: kill -9 of the metrics service under load, and of registration (outbox relay) after a batch."""

import uuid

import httpx
import pytest
from e2e_stack import RunningStack
from fault_kit import (
    JAMBI_GAUGE,
    ApiLoad,
    campaign_counts,
    dead_letters,
    gauge,
    jambi_workers,
    keys_on,
    kill9,
    pid_of,
    settled,
    stable_gauge,
    start,
)
from fault_summary import FaultRow

from jangkau_shared import topics
from support import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

BATCH = 40


@pytest.mark.timeout(290)
def test_kill9_of_metrics_under_load_loses_and_doubles_no_count(
    running_stack: RunningStack, fault_row: FaultRow
) -> None:
    fault_row.fault = "kill -9 metrics mid-load, restart"
    campaign = str(uuid.uuid4())
    load = ApiLoad(running_stack, jambi_workers(8 * BATCH, campaign), batch=BATCH)
    before = stable_gauge(running_stack, JAMBI_GAUGE)
    load.start()
    load.wait_batches(3)
    killed = kill9("metrics")
    answered_at_kill = load.sent_batches
    load.join(180)
    fault_row.load = load.items
    start("metrics")
    assert pid_of("metrics") != killed

    expected = load.expected
    seen = settled(lambda: campaign_counts(running_stack, campaign), expected, 150, "campaign counts")
    jambi = settled(lambda: gauge(running_stack, JAMBI_GAUGE), before + len(load.accepted), 60, JAMBI_GAUGE)
    dead = dead_letters(running_stack)  # the counter restarted with the process: it must be 0
    fault_row.checked = sum(expected.values())
    fault_row.over_under_counts(expected, seen)
    fault_row.mismatched = (seen != expected) + (jambi != before + len(load.accepted))
    fault_row.leaked = int(dead)
    fault_row.note = f"killed pid {killed} after {answered_at_kill} of 8 batches were answered"

    assert not load.problems, load.problems[:5]
    assert load.answered == len(load.people)
    assert expected["paid"] == load.payments_sent
    assert seen == expected
    assert jambi == before + len(load.accepted)
    assert dead == 0


@pytest.mark.timeout(290)
async def test_kill9_of_registration_right_after_a_batch_loses_no_accepted_registration(
    running_stack: RunningStack, fault_row: FaultRow
) -> None:
    fault_row.fault = "kill -9 registration (outbox relay) after a batch"
    campaign = str(uuid.uuid4())
    people = jambi_workers(200, campaign)
    fault_row.load = len(people)
    headers = {"Authorization": f"Bearer {running_stack.token}"}
    async with httpx.AsyncClient(
        base_url=running_stack.url("registration"), headers=headers, timeout=60
    ) as api:
        answer = await api.post("/v1/registrations:batch", json={"items": people})
    killed = kill9("registration")  # the outbox relay runs in this process
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["created"] * len(people), results[:3]
    accepted = {r["participant_id"] for r in results}
    start("registration")
    assert pid_of("registration") != killed

    async def missing() -> set[str]:
        keys = await keys_on(running_stack.kafka, topics.WORKER_REGISTERED)
        return accepted - {k.decode() for k in keys}

    try:
        gone = await eventually(missing, until=lambda g: not g, timeout=120, interval=2.0, what="on topic")
    except AssertionError:
        gone = await missing()
    expected = {"registered": len(accepted), "paid": 0}
    seen = settled(lambda: campaign_counts(running_stack, campaign), expected, 120, "campaign counts")
    fault_row.checked = len(accepted)
    counted = seen.get("registered", 0)
    fault_row.lost = max(len(gone), len(accepted) - counted)  # missing on the topic or in the counts
    fault_row.duplicated = max(0, counted - len(accepted))
    fault_row.mismatched = int(seen != expected)
    assert not gone, f"{len(gone)} accepted registrations never reached {topics.WORKER_REGISTERED}"
    assert seen == expected
