"""Two instances in one group: a rebalance mid-stream changes no count in the store, nor in the survivor."""

from datetime import date
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaProducer
from metrics_kit import (
    Clock,
    Factory,
    payment,
    producer_fixture,  # noqa: F401
    publish,
    registration,
    settings_for,
    start_metrics,
    states,
)

from jangkau_metrics.domain.months import State
from support import Stack, eventually

pytestmark = pytest.mark.integration


async def test_counts_stay_exact_when_a_second_instance_joins_and_the_first_leaves(
    stack: Stack, new_database: Factory, producer: AIOKafkaProducer, topic_prefix: str
) -> None:
    settings = settings_for(stack, database_url=await new_database(), topic_prefix=topic_prefix)
    clock = Clock(date(2017, 8, 20))
    people = [uuid4() for _ in range(60)]
    first = await start_metrics(settings, clock)
    second = None
    try:
        await publish(producer, topic_prefix, [registration(p) for p in people[:30]])
        second = await start_metrics(settings, clock)  # joins: partitions move mid-stream
        await publish(producer, topic_prefix, [registration(p) for p in people[30:]])
        await publish(producer, topic_prefix, [payment(p) for p in people[:40]])
        await publish(producer, topic_prefix, [payment(p) for p in people[:10]])  # paid twice (new ids)
    finally:
        await first.stop()  # leaves: the survivor takes every partition and reloads
    assert second is not None
    try:

        async def stored() -> dict[str, int]:
            snapshot = await second.store.load()
            t = snapshot.coverage.tally(clock(), lambda k: k.branch).get("denpasar")
            paid = snapshot.ledger.by_branch_payer[("denpasar", "self")]
            return {"registered": t.registered, "active": t.states[State.ACTIVE], "paid": paid} if t else {}

        async def served() -> dict[str, float]:
            return states(second)

        exact = {"registered": 60, "active": 40, "paid": 50}
        await eventually(stored, until=lambda s: s == exact, what="store exact")
        await eventually(
            served,
            until=lambda s: s == {"registered": 60, "active": 40, "never_paid": 20},
            what="survivor's served counts exact",
        )
        assert second.snapshot.ledger.by_branch_payer[("denpasar", "self")] == 50
    finally:
        await second.stop()
