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

from jangkau_metrics.bootstrap import Metrics
from jangkau_metrics.domain.months import State
from support import Stack, eventually

pytestmark = pytest.mark.integration


async def _paid(metrics: Metrics) -> int:
    return metrics.snapshot.ledger.by_branch_payer()[0][("denpasar", "self")]


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
        await first.stop()  # leaves: the survivor takes every partition
    assert second is not None
    try:

        async def stored() -> dict[str, int]:
            coverage = await second.store.coverage(day=None, branch="denpasar")
            t = coverage.tally(clock(), lambda k: k.branch).get("denpasar")
            return {"registered": t.registered, "active": t.states[State.ACTIVE]} if t else {}

        async def served() -> dict[str, float]:
            return states(second)

        exact = {"registered": 60, "active": 40}
        await eventually(stored, until=lambda s: s == exact, what="store exact")
        assert await second.store.audit() == []  # the count tables equal what the participants add up to
        await eventually(
            served,
            until=lambda s: s == {"registered": 60, "active": 40, "never_paid": 20},
            what="survivor's served counts exact",
        )
        await eventually(
            lambda: _paid(second), until=lambda n: n == 50, what="survivor's contribution count exact"
        )
    finally:
        await second.stop()
