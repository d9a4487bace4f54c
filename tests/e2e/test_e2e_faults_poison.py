"""Faults 6 and 7: poison events, a duplicate storm and out-of-order delivery, produced straight
to the contract's topics of the running stack and consumed by the real metrics process."""

import uuid
from dataclasses import replace

import pytest
from e2e_stack import RunningStack
from fault_kit import (
    campaign_counts,
    campaign_row,
    gauge,
    paid_event,
    pid_of,
    planned_event,
    produce,
    read_topic,
    registered_event,
    settled,
    stable_gauge,
)
from fault_summary import FaultRow

from jangkau_shared import topics
from jangkau_shared.deadletter import MAX_VALUE_BYTES
from jangkau_shared.envelope import KafkaRecord
from jangkau_shared.topics import dead_letter_topic

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

REASON = "jangkau_dlq_reason"
DEAD = 'jangkau_events_dead_lettered_total{topic="%s"}'


def _poisoned(run: str) -> dict[str, tuple[KafkaRecord, str]]:
    """One record of each poison kind, keyed ``<run>-<kind>``, with the reason expected for it."""
    good = registered_event(None)
    headers = dict(good.headers)

    def bad(kind: str, value: bytes, **changed: bytes | None) -> KafkaRecord:
        kept = {**headers, **changed}
        return replace(
            good,
            key=f"{run}-{kind}".encode(),
            value=value,
            headers=[(n, v) for n, v in kept.items() if v is not None],
        )

    schema_invalid = good.value.replace(b'"segment":"farmer"', b'"segment":"astronaut"')
    assert schema_invalid != good.value
    oversized = b'{"padding":"' + b"x" * (MAX_VALUE_BYTES + 1024) + b'"}'
    return {
        "malformed-json": (bad("malformed-json", b'{"participant_id": '), "value is not JSON"),
        "unknown-type": (
            bad("unknown-type", good.value, ce_type=b"id.jangkau.unheard.of.v9"),
            "unknown ce_type",
        ),
        "schema-invalid": (bad("schema-invalid", schema_invalid), "data does not match"),
        "missing-ce-headers": (
            bad("missing-ce-headers", good.value, ce_id=None, ce_type=None),
            "missing CloudEvents",
        ),
        "oversized": (bad("oversized", oversized), f"exceeds {MAX_VALUE_BYTES}"),
    }


@pytest.mark.timeout(180)
async def test_poison_events_are_dead_lettered_with_their_reason_and_the_rest_applied(
    running_stack: RunningStack, fault_row: FaultRow
) -> None:
    fault_row.fault = "poison events (5 kinds + 1 on a campaign topic) among 60 good ones"
    bootstrap = running_stack.kafka
    run, campaign = uuid.uuid4().hex[:12], str(uuid.uuid4())
    pid = pid_of("metrics")
    worker_dead = stable_gauge(running_stack, DEAD % topics.WORKER_REGISTERED)
    campaign_dead = gauge(running_stack, DEAD % topics.CAMPAIGN_PLANNED) or 0.0
    poison = _poisoned(run)
    bad_plan = replace(planned_event(campaign), key=f"{run}-campaign-json".encode(), value=b"[not json")
    good = [registered_event(campaign) for _ in range(60)]
    # Poison between good events, so the good ones around it must still be applied.
    records = [*good[:20], *(r for r, _ in poison.values()), *good[20:40], bad_plan, *good[40:]]
    fault_row.load = len(records)
    await produce(bootstrap, records)

    expected = {"registered": len(good), "paid": 0}
    seen = settled(lambda: campaign_counts(running_stack, campaign), expected, 90, "campaign counts")
    dead = settled(
        lambda: gauge(running_stack, DEAD % topics.WORKER_REGISTERED), worker_dead + len(poison), 30, "DLQ"
    )
    dead_plans = gauge(running_stack, DEAD % topics.CAMPAIGN_PLANNED)
    on_dlq = {
        r.key.decode(): dict(r.headers).get(REASON, b"").decode()
        for topic in (topics.WORKER_REGISTERED, topics.CAMPAIGN_PLANNED)
        for r in await read_topic(bootstrap, dead_letter_topic(topic))
        if r.key and r.key.startswith(run.encode())
    }
    wrong_reason = {
        kind: on_dlq.get(f"{run}-{kind}")
        for kind, (_, why) in poison.items()
        if why not in on_dlq.get(f"{run}-{kind}", "")
    }
    fault_row.checked = len(records)
    fault_row.over_under(len(good), seen.get("registered", 0))
    fault_row.lost += len([k for k in (*poison, "campaign-json") if f"{run}-{k}" not in on_dlq])
    fault_row.leaked = int(seen.get("registered", 0) > len(good))  # poison counted as a registration
    fault_row.mismatched = (
        int(seen != expected) + int(dead != worker_dead + len(poison)) + int(dead_plans != campaign_dead + 1)
    )

    assert seen == expected
    assert not wrong_reason, f"dead-lettered without the expected reason: {wrong_reason}"
    assert "value is not JSON" in on_dlq[f"{run}-campaign-json"]
    assert dead == worker_dead + len(poison)
    assert dead_plans == campaign_dead + 1
    assert pid_of("metrics") == pid, "the metrics service must keep running"


@pytest.mark.timeout(180)
async def test_a_duplicate_storm_and_out_of_order_events_are_counted_once(
    running_stack: RunningStack, fault_row: FaultRow
) -> None:
    fault_row.fault = "same event x1000 (registration and payment); payment before registration;"
    fault_row.fault += " registrations before their campaign"
    bootstrap = running_stack.kafka
    storm, late, early = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    stormer = str(uuid.uuid4())
    registration, pay = registered_event(storm, stormer), paid_event(stormer, storm)
    # Payments first, then their registrations (same key, so the same partition and consumer).
    people = [str(uuid.uuid4()) for _ in range(20)]
    out_of_order = [paid_event(p, late) for p in people] + [registered_event(late, p) for p in people]
    # Registrations of a campaign whose plan arrives last.
    before_plan = [registered_event(early) for _ in range(20)]
    records = [registration, pay] * 1000 + out_of_order + before_plan
    await produce(bootstrap, records)
    await produce(bootstrap, [planned_event(early), planned_event(storm)])
    fault_row.load = len(records) + 2

    once = {"registered": 1, "paid": 1}
    all_paid = {"registered": len(people), "paid": len(people)}
    stormed = settled(lambda: campaign_counts(running_stack, storm), once, 90, "storm counts")
    reordered = settled(lambda: campaign_counts(running_stack, late), all_paid, 60, "out-of-order counts")

    def early_row() -> tuple[object, ...]:
        row = campaign_row(running_stack, early)
        return row.get("status"), row.get("registered")

    planned = settled(early_row, ("planned", len(before_plan)), 60, "campaign row after its late plan")
    storm_row = settled(
        lambda: {"contributions": campaign_row(running_stack, storm).get("contributions")},
        {"contributions": 1},
        30,
        "contributions of the storm's campaign",
    )
    fault_row.checked = len(records) + 2
    fault_row.over_under_counts(once, stormed)
    fault_row.over_under_counts(all_paid, reordered)
    fault_row.over_under(1, storm_row.get("contributions", 0))
    fault_row.over_under(len(before_plan), int(str(planned[1] or 0)))
    fault_row.mismatched = (
        int(stormed != once)
        + int(reordered != all_paid)
        + int(planned != ("planned", len(before_plan)))
        + int(storm_row.get("contributions") != 1)
    )

    assert stormed == once, "1000 copies of one registration and one payment count once"
    assert storm_row == {"contributions": 1}, "1000 copies of one payment are one contribution"
    assert reordered == all_paid, "payments that arrived before their registrations still count"
    assert planned == ("planned", len(before_plan))
