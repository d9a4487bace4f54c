"""PostgreSQL store of applied effects; idempotent by the entity's own id."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import case, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from jangkau_metrics.adapters.tables import campaigns, contributions, participants, targets
from jangkau_metrics.domain.campaigns import STATUS_RANK, Campaign
from jangkau_metrics.domain.coverage import CellKey, Change, Participant
from jangkau_metrics.domain.ledger import Contribution, LedgerKey
from jangkau_metrics.domain.snapshot import Snapshot
from jangkau_metrics.domain.targets import Target


class ConcurrentInsert(RuntimeError):
    """Another consumer created the same participant meanwhile: retry the batch."""


#: Set-based statements over arrays (one round trip each, whatever the batch size).
INSERT_CONTRIBUTIONS = text(
    """
    INSERT INTO contributions
        (contribution_id, participant_id, branch, payer_type, campaign_id, paid_on, amount, paid_through)
    SELECT * FROM unnest(
        CAST(:ids AS uuid[]), CAST(:participants AS uuid[]), CAST(:branches AS text[]),
        CAST(:payers AS text[]), CAST(:campaigns AS text[]), CAST(:days AS date[]),
        CAST(:amounts AS bigint[]), CAST(:months AS integer[]))
    ON CONFLICT DO NOTHING
    RETURNING contribution_id
    """
)
LOCK_PARTICIPANTS = text(
    """
    SELECT participant_id, branch, village_code, segment, campaign_id, registered, paid_through,
           registered_on
    FROM participants WHERE participant_id = ANY(CAST(:ids AS uuid[]))
    ORDER BY participant_id FOR UPDATE
    """
)
INSERT_PARTICIPANTS = text(
    """
    INSERT INTO participants
        (participant_id, branch, village_code, segment, campaign_id, registered, paid_through,
         registered_on)
    SELECT * FROM unnest(
        CAST(:ids AS uuid[]), CAST(:branches AS text[]), CAST(:villages AS text[]),
        CAST(:segments AS text[]), CAST(:campaigns AS text[]), CAST(:registered AS boolean[]),
        CAST(:months AS integer[]), CAST(:days AS date[]))
    ON CONFLICT DO NOTHING
    RETURNING participant_id
    """
)
UPDATE_PARTICIPANTS = text(
    """
    UPDATE participants AS p SET
        branch = v.branch, village_code = v.village_code, segment = v.segment,
        campaign_id = v.campaign_id, registered = v.registered, paid_through = v.paid_through,
        registered_on = v.registered_on
    FROM unnest(
        CAST(:ids AS uuid[]), CAST(:branches AS text[]), CAST(:villages AS text[]),
        CAST(:segments AS text[]), CAST(:campaigns AS text[]), CAST(:registered AS boolean[]),
        CAST(:months AS integer[]), CAST(:days AS date[]))
        AS v(participant_id, branch, village_code, segment, campaign_id, registered, paid_through,
             registered_on)
    WHERE p.participant_id = v.participant_id
    """
)

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

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def record_contributions(self, items: Sequence[Contribution]) -> set[UUID]:
        """Insert contributions; a conflict on the id means it was applied before."""
        if not items:
            return set()
        columns = {
            "ids": [c.contribution_id for c in items],
            "participants": [c.participant_id for c in items],
            "branches": [c.branch for c in items],
            "payers": [c.payer_type for c in items],
            "campaigns": [c.campaign_id for c in items],
            "days": [c.paid_on for c in items],
            "amounts": [c.amount for c in items],
            "months": [c.paid_through for c in items],
        }
        return set((await self._conn.execute(INSERT_CONTRIBUTIONS, columns)).scalars())

    async def lock(self, participant_ids: Sequence[UUID]) -> dict[UUID, Participant]:
        """SELECT … FOR UPDATE in id order, so two batches never wait on each other in a cycle."""
        if not participant_ids:
            return {}
        rows = await self._conn.execute(LOCK_PARTICIPANTS, {"ids": list(participant_ids)})
        return {row.participant_id: _participant(row) for row in rows}

    async def save(self, changes: Sequence[Change]) -> None:
        """Insert new participants and update known ones."""
        ordered = sorted(changes, key=lambda c: c.new.participant_id)  # same lock order everywhere
        new = [c.new for c in ordered if c.old is None]
        known = [c.new for c in ordered if c.old is not None]
        if new:
            inserted = (await self._conn.execute(INSERT_PARTICIPANTS, _columns(new))).scalars().all()
            if len(inserted) != len(new):
                raise ConcurrentInsert(f"{len(new) - len(inserted)} participants were created meanwhile")
        if known:
            await self._conn.execute(UPDATE_PARTICIPANTS, _columns(known))


def _columns(people: Sequence[Participant]) -> dict[str, list[Any]]:
    return {
        "ids": [p.participant_id for p in people],
        "branches": [p.key.branch for p in people],
        "villages": [p.key.village_code for p in people],
        "segments": [p.key.segment for p in people],
        "campaigns": [p.key.campaign_id for p in people],
        "registered": [p.registered for p in people],
        "months": [p.paid_through for p in people],
        "days": [p.registered_on for p in people],
    }


class SqlCoverageStore:
    """The metrics database: participants, contributions, campaigns, targets."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @asynccontextmanager
    async def participant_batch(self) -> AsyncIterator[SqlParticipantBatch]:
        """One transaction: committed when the block ends, rolled back on an error."""
        async with self._engine.begin() as conn:
            yield SqlParticipantBatch(conn)

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
            for row in rows:
                await conn.execute(query, row)
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


def _by_id(campaign: Campaign) -> str:
    return campaign.campaign_id


def _participant(row: Any) -> Participant:
    key = CellKey(row.branch, row.village_code, row.segment, row.campaign_id)
    return Participant(row.participant_id, key, row.registered, row.paid_through, row.registered_on)


def _campaign(row: Any) -> Campaign:
    fields = {k: v for k, v in row.items() if k != "status_rank"}
    return Campaign(**fields)
