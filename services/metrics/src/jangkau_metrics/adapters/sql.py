"""PostgreSQL store of applied effects; idempotent by the entity's own id."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import case, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from jangkau_metrics.adapters.tables import campaigns, contributions, participants, targets
from jangkau_metrics.domain.campaigns import STATUS_RANK, Campaign
from jangkau_metrics.domain.coverage import CellKey, Change, Participant
from jangkau_metrics.domain.ledger import Contribution, LedgerKey
from jangkau_metrics.domain.snapshot import Snapshot
from jangkau_metrics.domain.targets import Target


class ConcurrentInsert(RuntimeError):
    """Another consumer created the same participant meanwhile: retry the batch."""


#: Set-based statements over arrays: one round trip each, whatever the batch size. They run on the
#: asyncpg connection under SQLAlchemy's transaction: a batch moves thousands of rows, and
#: asyncpg's records spare a Python object per cell (the profile in docs/performance.md).
INSERT_CONTRIBUTIONS = """
    INSERT INTO contributions
        (contribution_id, participant_id, branch, payer_type, campaign_id, paid_on, amount, paid_through)
    SELECT * FROM unnest(
        $1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::date[], $7::bigint[], $8::integer[])
    ON CONFLICT DO NOTHING
    RETURNING contribution_id
"""
LOCK_PARTICIPANTS = """
    SELECT participant_id, branch, village_code, segment, campaign_id, registered, paid_through,
           registered_on
    FROM participants WHERE participant_id = ANY($1::uuid[])
    ORDER BY participant_id FOR UPDATE
"""
#: Inserts new participants and updates known ones (by the primary key's index, never a scan);
#: answers how many rows were inserted (xmax = 0 marks a row this statement created).
UPSERT_PARTICIPANTS = """
    WITH written AS (
        INSERT INTO participants
            (participant_id, branch, village_code, segment, campaign_id, registered, paid_through,
             registered_on)
        SELECT * FROM unnest(
            $1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::integer[],
            $8::date[])
        ON CONFLICT (participant_id) DO UPDATE SET
            branch = excluded.branch, village_code = excluded.village_code, segment = excluded.segment,
            campaign_id = excluded.campaign_id, registered = excluded.registered,
            paid_through = excluded.paid_through, registered_on = excluded.registered_on
        RETURNING xmax = 0 AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted) FROM written
"""

HISTORY = text(
    """
    WITH paid AS (
        SELECT participant_id, max(paid_through) AS paid_through
        FROM contributions WHERE paid_on <= :day GROUP BY participant_id
    )
    SELECT p.branch, p.village_code, p.segment, p.campaign_id, paid.paid_through, p.registered_on,
           count(*) AS n
    FROM participants AS p LEFT JOIN paid USING (participant_id)
    WHERE p.registered AND p.registered_on <= :day
    GROUP BY p.branch, p.village_code, p.segment, p.campaign_id, paid.paid_through, p.registered_on
    """
)


class SqlParticipantBatch:
    """The statements of one participant batch, on one connection inside a transaction."""

    def __init__(self, driver: Any) -> None:
        self._driver = driver  # the asyncpg connection under SQLAlchemy's open transaction

    async def record_contributions(self, items: Sequence[Contribution]) -> set[UUID]:
        """Insert contributions; a conflict on the id means it was applied before."""
        if not items:
            return set()
        columns = list(zip(*items, strict=True))  # Contribution's fields are the table's columns, in order
        return {row[0] for row in await self._driver.fetch(INSERT_CONTRIBUTIONS, *columns)}

    async def lock(self, participant_ids: Sequence[UUID]) -> dict[UUID, Participant]:
        """SELECT … FOR UPDATE in id order, so two batches never wait on each other in a cycle."""
        if not participant_ids:
            return {}
        rows = await self._driver.fetch(LOCK_PARTICIPANTS, participant_ids)
        return {row[0]: Participant(row[0], CellKey(*row[1:5]), *row[5:]) for row in rows}

    async def save(self, changes: Sequence[Change]) -> None:
        """Insert new participants and update known ones, in id order (the lock order)."""
        if not changes:
            return
        ordered = sorted(changes, key=_by_participant)
        rows = [(p.participant_id, *p.key, p.registered, p.paid_through, p.registered_on) for _, p in ordered]
        inserted = await self._driver.fetchval(UPSERT_PARTICIPANTS, *zip(*rows, strict=True))
        new = sum(1 for c in ordered if c.old is None)
        if inserted != new:
            raise ConcurrentInsert(f"{new - inserted} participants were created meanwhile")


class SqlCoverageStore:
    """The metrics database: participants, contributions, campaigns, targets."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @asynccontextmanager
    async def participant_batch(self) -> AsyncIterator[SqlParticipantBatch]:
        """One transaction: committed when the block ends, rolled back on an error."""
        async with self._engine.begin() as conn:
            raw = await conn.get_raw_connection()
            yield SqlParticipantBatch(raw.driver_connection)

    async def merge_campaigns(self, facts: Sequence[Campaign]) -> list[Campaign]:
        """Upsert in id order: newer known fields win, the status never goes back."""
        if not facts:
            return []
        rows = [asdict(f) | {"status_rank": STATUS_RANK[f.status]} for f in sorted(facts, key=_by_id)]
        query = insert(campaigns)
        excluded, current = query.excluded, campaigns.c
        merged: dict[str, Any] = {
            name: func.coalesce(excluded[name], current[name])
            for name in rows[0]
            if name not in ("campaign_id", "status", "status_rank")
        }
        newer = excluded.status_rank > current.status_rank
        merged["status"] = case((newer, excluded.status), else_=current.status)
        merged["status_rank"] = func.greatest(excluded.status_rank, current.status_rank)
        query = query.on_conflict_do_update(index_elements=[current.campaign_id], set_=merged)
        async with self._engine.begin() as conn:
            await conn.execute(query, rows)  # executemany: one statement, prepared once, for the batch
            stored = await conn.execute(
                select(campaigns).where(current.campaign_id.in_([r["campaign_id"] for r in rows]))
            )
            return [_campaign(row._mapping) for row in stored]

    async def load(self) -> Snapshot:
        """Fold the stored rows into counts: one GROUP BY per table, never one row per participant."""
        snapshot = Snapshot()
        p, c = participants.c, contributions.c
        groups = (p.registered, p.branch, p.village_code, p.segment, p.campaign_id)
        by_participant = select(*groups, p.paid_through, p.registered_on, func.count()).group_by(
            *groups, p.paid_through, p.registered_on
        )
        ledger_groups = (c.branch, c.payer_type, c.campaign_id, c.paid_on)
        by_ledger = select(*ledger_groups, func.count(), func.sum(c.amount)).group_by(*ledger_groups)
        async with self._engine.connect() as conn:
            for row in await conn.execute(by_participant):
                key = CellKey(row.branch, row.village_code, row.segment, row.campaign_id)
                like = Participant(UUID(int=0), key, row.registered, row.paid_through, row.registered_on)
                snapshot.coverage.place(like, int(row[-1]))
            for row in await conn.execute(by_ledger):
                key2 = LedgerKey(row.branch, row.payer_type, row.campaign_id, row.paid_on)
                snapshot.ledger.add(key2, count=int(row[-2]), amount=int(row[-1]))
            for row in await conn.execute(select(campaigns)):
                campaign = _campaign(row._mapping)
                snapshot.campaigns[campaign.campaign_id] = campaign
        return snapshot

    async def history(self, day: date) -> Snapshot:
        """Coverage as it stood on ``day``: registered by then, paid through what was paid by then.

        A full scan of both tables (for the JSON API on demand, never for scrapes).
        """
        snapshot = Snapshot()
        async with self._engine.connect() as conn:
            for row in await conn.execute(HISTORY, {"day": day}):
                key = CellKey(row.branch, row.village_code, row.segment, row.campaign_id)
                like = Participant(UUID(int=0), key, True, row.paid_through, row.registered_on)
                snapshot.coverage.place(like, int(row.n))
        return snapshot

    async def targets(self) -> list[Target]:
        """Targets set over the API."""
        t = targets.c
        async with self._engine.connect() as conn:
            rows = await conn.execute(select(t.branch, t.year, t.participants, t.measure))
            return [Target(r.branch, r.year, r.participants, r.measure) for r in rows]

    async def save_target(self, target: Target) -> None:
        """Upsert a branch's target for a year."""
        query = insert(targets).values(asdict(target))
        query = query.on_conflict_do_update(
            index_elements=[targets.c.branch, targets.c.year],
            set_={"participants": target.participants, "measure": target.measure, "updated_at": func.now()},
        )
        async with self._engine.begin() as conn:
            await conn.execute(query)


def _by_participant(change: Change) -> int:
    return change.new.participant_id.int


def _by_id(campaign: Campaign) -> str:
    return campaign.campaign_id


def _campaign(row: Any) -> Campaign:
    fields = {k: v for k, v in row.items() if k != "status_rank"}
    return Campaign(**fields)
