"""The PostgreSQL store on its own: campaign facts merged in one call; a batch is one transaction."""

import asyncio
from datetime import date
from uuid import uuid4

import pytest
from metrics_kit import store_fixture  # noqa: F401

from jangkau_metrics.adapters.sql import SqlCoverageStore
from jangkau_metrics.domain.campaigns import Campaign
from jangkau_metrics.domain.coverage import CellKey
from jangkau_metrics.domain.participants import Change, Participant

pytestmark = pytest.mark.integration


async def test_merging_several_campaigns_at_once_keeps_each_ones_furthest_status_and_known_fields(
    store: SqlCoverageStore,
) -> None:
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


def _participant() -> Participant:
    return Participant(uuid4(), CellKey("jambi", "15.04.01.2001", "farmer"), True, date(2018, 3, 1))


async def test_a_batch_that_fails_after_saving_participants_leaves_neither_them_nor_their_counts(
    store: SqlCoverageStore,
) -> None:
    change = Change(None, _participant())

    async def dies_after_saving() -> None:
        async with store.participant_batch() as batch:
            await batch.save([change])
            raise RuntimeError("the process dies before the counts move")

    with pytest.raises(RuntimeError, match="dies"):
        await dies_after_saving()

    assert (await store.coverage(day=None, branch=None)).cells == {}
    assert await store.audit() == []


async def test_a_participant_locked_by_one_batch_waits_for_its_commit_in_another(
    store: SqlCoverageStore,
) -> None:
    p = _participant()
    async with store.participant_batch() as batch:
        await batch.save([Change(None, p)])
    async with store.participant_batch() as first:
        assert list(await first.lock([p.participant_id])) == [p.participant_id]

        async def second_lock() -> None:
            async with store.participant_batch() as second:
                await second.lock([p.participant_id])

        waiting = asyncio.create_task(second_lock())
        done, _ = await asyncio.wait({waiting}, timeout=1.0)
        assert done == set(), "the second batch locked a row the first one holds"
    await asyncio.wait_for(waiting, timeout=30)  # free once the first commits
