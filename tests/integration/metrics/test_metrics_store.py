"""The PostgreSQL store on its own: campaign facts merged in one call; a batch is one transaction."""

import asyncio
import random
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from metrics_kit import Factory, payment, registration, store_fixture  # noqa: F401
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from jangkau_metrics import service
from jangkau_metrics.adapters import statements as sql
from jangkau_metrics.adapters.sql import SqlCoverageStore
from jangkau_metrics.bootstrap import MIGRATIONS
from jangkau_metrics.domain.campaigns import Campaign
from jangkau_metrics.domain.coverage import NEVER_PAID, Cell, CellKey, Coverage
from jangkau_metrics.domain.participants import Change, Participant
from jangkau_metrics.domain.snapshot import Snapshot
from jangkau_metrics.domain.view import View
from jangkau_shared import db, topics
from jangkau_shared.deadletter import Decoded
from jangkau_shared.envelope import Envelope
from jangkau_shared.events import EventData, WorkerRegisteredV1

AT = datetime(2017, 8, 13, 9, 30, tzinfo=UTC)

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


@dataclass
class _Record:
    topic: str
    partition: int
    offset: int = 0
    key: bytes | None = None
    value: bytes | None = b"{}"
    headers: Sequence[tuple[str, bytes]] = ()


def _decoded(data: EventData, partition: int) -> Decoded:
    topic = topics.WORKER_REGISTERED if isinstance(data, WorkerRegisteredV1) else topics.CONTRIBUTION_PAID
    return Decoded(_Record(topic, partition), Envelope(str(uuid4()), "/test", "t", AT, data))


def _month(start: date, months: int) -> str:
    index = start.year * 12 + start.month - 1 + months
    return f"{index // 12}-{index % 12 + 1:02d}"


def _shuffled_history(rng: random.Random, people: int) -> list[Decoded]:
    """Registrations over a year in two branches and 0-4 payments each, made before or after the
    registration day, arriving in any order, each participant on a partition of its own choosing."""
    events = []
    for _ in range(people):
        pid, part = uuid4(), rng.randrange(3)
        branch = rng.choice(["denpasar", "jambi"])
        registered_on = date(2017, 1, 1) + timedelta(days=rng.randrange(365))
        events.append(_decoded(registration(pid, branch=branch, on=registered_on), part))
        for _ in range(rng.randrange(5)):
            paid_on = registered_on + timedelta(days=rng.randrange(-20, 300))
            months = rng.choice([1, 3, 6])
            through = _month(paid_on, rng.randrange(-1, 6))
            first = _month(date.fromisoformat(through + "-01"), 1 - months)
            event = payment(pid, first=first, months=months, through=through, branch=branch, on=paid_on)
            events.append(_decoded(event, part))
    rng.shuffle(events)
    return events


def _per_branch(coverage: Coverage) -> dict[str, tuple[int, int, dict[int, int]]]:
    return {
        b: (c.registered, c.never_paid, +c.paid_through) for b, c in coverage.branches.items() if c.registered
    }


def _per_village(coverage: Coverage) -> dict[tuple[str, str], tuple[int, int, dict[int, int]]]:
    villages: dict[tuple[str, str], Cell] = {}
    for key, cell in coverage.cells.items():
        village = villages.setdefault((key.branch, key.village_code), Cell())
        village.add(NEVER_PAID, cell.never_paid)
        for month, n in cell.paid_through.items():
            village.add(month, n)
    return {k: (c.registered, c.never_paid, +c.paid_through) for k, c in villages.items() if c.registered}


async def test_village_and_past_day_rows_equal_what_the_participants_add_up_to_whatever_the_order(
    store: SqlCoverageStore,
) -> None:
    events = _shuffled_history(random.Random(15), 120)
    for start in range(0, len(events), 25):
        await service.apply_participant_events(events[start : start + 25], store=store)

    assert await store.audit() == []  # every count table, the new ones included
    everyone = await store.coverage(day=None, branch=None)
    assert _per_village(await store.village_coverage(branch=None)) == _per_village(everyone)
    jambi = _per_village(await store.village_coverage(branch="jambi"))
    assert {branch for branch, _ in jambi} == {"jambi"}
    for day in (date(2016, 12, 31), *(date(2017, 1, 1) + timedelta(days=d) for d in range(0, 700, 29))):
        for branch in ("denpasar", "jambi", None):
            from_moves = await store.branch_coverage(day=day, branch=branch)
            from_participants = await store.coverage(day=day, branch=branch)
            assert _per_branch(from_moves) == _per_branch(from_participants), (day, branch)


async def test_the_migration_that_adds_the_village_and_past_day_rows_fills_them_from_the_participants(
    new_database: Factory,
) -> None:
    engine = create_async_engine(await new_database())
    try:
        await db.upgrade(engine, MIGRATIONS)
        store = SqlCoverageStore(engine)
        await service.apply_participant_events(_shuffled_history(random.Random(4), 40), store=store)
        kept = await store.fingerprint()

        await db.downgrade(engine, MIGRATIONS, "0003")  # the new tables go, the participants stay
        await db.upgrade(engine, MIGRATIONS)

        assert await store.audit() == []
        assert await store.fingerprint() == kept
        assert any(name.startswith("moves ") for name in kept)
    finally:
        await engine.dispose()


COUNT_TABLES = tuple(sql.COMPACT)


async def _shares_left(engine: AsyncEngine) -> int:
    """Rows still kept per partition share, in every count table."""
    async with engine.connect() as conn:
        counts = [
            (await conn.execute(text(f"SELECT count(*) FROM {t} WHERE part >= 0"))).scalar_one()
            for t in COUNT_TABLES
        ]
    return sum(counts)


async def _compact_all(store: SqlCoverageStore, pages: int) -> int:
    moved = 0
    while (done := await store.compact(pages)) is not None and done:
        moved += done
    return moved


@pytest.fixture(name="engine")
async def engine_fixture(new_database: Factory) -> AsyncIterator[AsyncEngine]:
    """A new, migrated metrics database of its own."""
    engine = create_async_engine(await new_database())
    try:
        await db.upgrade(engine, MIGRATIONS)
        yield engine
    finally:
        await engine.dispose()


async def test_compaction_folds_every_partition_share_into_one_row_per_key_and_moves_no_count(
    engine: AsyncEngine,
) -> None:
    store = SqlCoverageStore(engine)
    events = _shuffled_history(random.Random(8), 80)
    followed = View(Snapshot())  # it reads the first half, then lags behind the second
    await service.apply_participant_events(events[: len(events) // 2], store=store)
    followed.apply(await store.changes(0))
    await service.apply_participant_events(events[len(events) // 2 :], store=store)
    kept, shares = await store.fingerprint(), await _shares_left(engine)

    moved = await _compact_all(store, pages=1)  # a transaction per page: keys split across them

    assert moved == shares > 0
    assert await _shares_left(engine) == 0
    assert await store.fingerprint() == kept
    assert await store.audit() == []
    fresh = View(Snapshot())
    fresh.apply(await store.changes(0))
    followed.apply(await store.changes(followed.horizon))
    assert _view_counts(followed) == _view_counts(fresh) != {}


async def test_compaction_beside_folds_on_every_partition_loses_and_doubles_nothing(
    engine: AsyncEngine,
) -> None:
    store = SqlCoverageStore(engine)
    events = _shuffled_history(random.Random(9), 200)
    folding = asyncio.Event()

    async def fold() -> None:
        for start in range(0, len(events), 20):
            await service.apply_participant_events(events[start : start + 20], store=store)
            folding.set()
        folding.clear()

    async def compact() -> int:
        await folding.wait()
        moved = 0
        while folding.is_set():
            moved += await store.compact(1) or 0
        return moved

    _, moved = await asyncio.gather(fold(), compact())

    assert moved > 0
    assert await store.audit() == []


def _view_counts(view: View) -> dict[str, object]:
    coverage = view.snapshot.coverage
    return {
        "cells": {
            k: (c.registered, c.never_paid, +c.paid_through)
            for k, c in coverage.cells.items()
            if c.registered
        },
        "awaiting": +coverage.awaiting_registration,
        "years": +coverage.registrations_per_year,
        "ledger": view.snapshot.ledger.by_branch_payer(),
    }
