"""The view follows the count tables exactly, even when transactions commit out of the order they began."""

from collections import Counter

import asyncpg
import pytest
from metrics_kit import Factory, store_fixture  # noqa: F401
from sqlalchemy.ext.asyncio import create_async_engine

from jangkau_metrics import service
from jangkau_metrics.adapters.sql import SqlCoverageStore
from jangkau_metrics.bootstrap import MIGRATIONS
from jangkau_metrics.domain.participants import Footprint
from jangkau_metrics.domain.snapshot import Snapshot
from jangkau_metrics.domain.view import View
from jangkau_shared import db

pytestmark = pytest.mark.integration

MONTH = 24_210


def _moved(branch: str, n: int = 1) -> Footprint:
    return Footprint(cells=Counter({(branch, "farmer", "", True, MONTH): n}))


def _registered(view: View) -> dict[str, int]:
    return {k.branch: c.registered for k, c in view.snapshot.coverage.cells.items() if c.registered}


async def test_a_transaction_begun_before_a_read_and_committed_after_it_is_seen_by_the_next_read(
    new_database: Factory,
) -> None:
    url = await new_database()
    engine = create_async_engine(url)
    slow = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await db.upgrade(engine, MIGRATIONS)
        store, view = SqlCoverageStore(engine), View(Snapshot())
        slow_tx = slow.transaction()
        await slow_tx.start()
        await slow.execute("SELECT pg_current_xact_id()")  # takes its transaction id now: the oldest running
        async with store.participant_batch() as fast:
            await fast.move_counts({0: _moved("jambi")}, {})
        await service.refresh_view(store=store, view=view)
        assert _registered(view) == {"jambi": 1}

        await slow.execute(  # the older transaction writes after that read, then commits
            "INSERT INTO coverage_counts (part, branch, segment, campaign_id, registered, paid_through, n)"
            " VALUES (3, 'denpasar', 'farmer', '', true, $1, 2)",
            MONTH,
        )
        await slow_tx.commit()
        await service.refresh_view(store=store, view=view)
        assert _registered(view) == {"jambi": 1, "denpasar": 2}

        await service.refresh_view(store=store, view=view)  # reading again moves nothing
        assert _registered(view) == {"jambi": 1, "denpasar": 2}
    finally:
        await slow.close()
        await engine.dispose()


async def test_counts_moved_on_two_partitions_and_back_to_zero_are_served_as_their_sum(
    store: SqlCoverageStore,
) -> None:
    view = View(Snapshot())
    async with store.participant_batch() as batch:
        await batch.move_counts({0: _moved("jambi", 2), 5: _moved("jambi", 3)}, {})
    await service.refresh_view(store=store, view=view)
    assert _registered(view) == {"jambi": 5}

    async with store.participant_batch() as batch:
        await batch.move_counts({5: _moved("jambi", -3)}, {})
    await service.refresh_view(store=store, view=view)
    assert _registered(view) == {"jambi": 2}
