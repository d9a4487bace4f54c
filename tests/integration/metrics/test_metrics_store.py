"""The PostgreSQL store on its own: campaign facts of several campaigns merged in one call."""

from datetime import date

import pytest
from metrics_kit import Factory
from sqlalchemy.ext.asyncio import create_async_engine

from jangkau_metrics.adapters.sql import SqlCoverageStore
from jangkau_metrics.bootstrap import MIGRATIONS
from jangkau_metrics.domain.campaigns import Campaign
from jangkau_shared import db

pytestmark = pytest.mark.integration


async def test_merging_several_campaigns_at_once_keeps_each_ones_furthest_status_and_known_fields(
    new_database: Factory,
) -> None:
    engine = create_async_engine(await new_database())
    try:
        await db.upgrade(engine, MIGRATIONS)
        store = SqlCoverageStore(engine)
        booth = Campaign("c-booth", "denpasar", "held", held_from=date(2017, 8, 13), headcount=1200)
        visit = Campaign("c-visit", "jambi", "planned", name="Desa visit", target_registrations=40)
        await store.merge_campaigns([visit, booth])

        stored = await store.merge_campaigns(
            [
                Campaign("c-booth", "denpasar", "planned", name="Sesetan Karnaval booth"),
                Campaign("c-visit", "jambi", "cancelled"),
            ]
        )

        assert sorted(stored, key=lambda c: c.campaign_id) == [
            Campaign(
                "c-booth",
                "denpasar",
                "held",
                name="Sesetan Karnaval booth",
                held_from=date(2017, 8, 13),
                headcount=1200,
            ),
            Campaign("c-visit", "jambi", "cancelled", name="Desa visit", target_registrations=40),
        ]
        assert sorted((await store.changes(0)).campaigns, key=lambda c: c.campaign_id) == sorted(
            stored, key=lambda c: c.campaign_id
        )
    finally:
        await engine.dispose()
