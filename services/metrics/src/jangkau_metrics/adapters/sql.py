"""PostgreSQL store of applied effects and of the counts they add up to; idempotent by each entity's id."""

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import date
from typing import Any

import asyncpg
from sqlalchemy import case, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from jangkau_metrics.adapters import statements as sql
from jangkau_metrics.adapters.tables import CHANGED_XID, campaigns, targets
from jangkau_metrics.domain.campaigns import STATUS_RANK, Campaign
from jangkau_metrics.domain.coverage import NEVER_PAID, CellKey, Coverage
from jangkau_metrics.domain.ledger import Contribution, Ledger, LedgerKey, Receipts
from jangkau_metrics.domain.participants import Change, Footprint, Participant, Step
from jangkau_metrics.domain.snapshot import differences
from jangkau_metrics.domain.targets import DeletedTarget, Target
from jangkau_metrics.domain.view import CountRows


class ConcurrentInsert(RuntimeError):
    """Another consumer created the same participant meanwhile: retry the batch."""


class StoreUnavailable(ConnectionError):
    """The database connection failed or the server is shutting down or starting: try again later.

    A ConnectionError (an OSError), as a refused connection is: consumers retry it with backoff
    and the HTTP layer answers 503.
    """


#: SQLSTATE classes of a server that cannot serve now (08 connection, 53 resources, 57 operator).
_UNAVAILABLE_SQLSTATES = ("08", "53", "57")


class SqlParticipantBatch:
    """The statements of one participant batch, on one connection inside a transaction."""

    def __init__(self, driver: Any) -> None:
        self._driver = driver  # the asyncpg connection under SQLAlchemy's open transaction

    async def record_contributions(self, items: Sequence[Contribution]) -> set[Any]:
        """Insert contributions; a conflict on the id means it was applied before."""
        if not items:
            return set()
        columns = list(zip(*items, strict=True))  # Contribution's fields are the table's columns, in order
        return {row[0] for row in await self._driver.fetch(sql.INSERT_CONTRIBUTIONS, *columns)}

    async def lock(self, participant_ids: Sequence[Any]) -> dict[Any, Participant]:
        """SELECT … FOR UPDATE in id order, so two batches never wait on each other in a cycle."""
        if not participant_ids:
            return {}
        rows = await self._driver.fetch(sql.LOCK_PARTICIPANTS, participant_ids)
        return {row[0]: _participant(row) for row in rows}

    async def save(self, changes: Sequence[Change]) -> None:
        """Insert new participants and update known ones, in id order (the lock order)."""
        if not changes:
            return
        ordered = sorted(changes, key=_by_participant)
        rows = [_participant_row(c.new) for c in ordered]
        inserted = await self._driver.fetchval(sql.UPSERT_PARTICIPANTS, *zip(*rows, strict=True))
        new = sum(1 for c in ordered if c.old is None)
        if inserted != new:
            raise ConcurrentInsert(f"{new - inserted} participants were created meanwhile")

    async def move_counts(self, moved: Mapping[int, Footprint], received: Mapping[int, Receipts]) -> None:
        """Move every count table by this batch's deltas, per partition, in one statement."""
        cells = sorted((part, *k, n) for part, f in moved.items() for k, n in f.cells.items())
        years = sorted((part, *k, n) for part, f in moved.items() for k, n in f.years.items())
        totals = sorted(
            (part, *k, n, r.totals.amount[k])
            for part, r in received.items()
            for k, n in r.totals.count.items()
        )
        days = _day_rows(moved, received)
        villages = sorted((part, *k, n) for part, f in moved.items() for k, n in f.villages.items())
        moves = sorted((part, *k, n) for part, f in moved.items() for k, n in f.moves.items())
        if not (cells or years or totals or days or villages or moves):
            return
        await self._driver.execute(
            sql.MOVE_COUNTS,
            *_columns(cells, 7),
            *_columns(years, 4),
            *_columns(totals, 6),
            *_columns(days, 6),
            *_columns(villages, 5),
            *_columns(moves, 5),
        )


class SqlCoverageStore:
    """The metrics database: participants, contributions, count tables, campaigns, targets."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @asynccontextmanager
    async def participant_batch(self) -> AsyncIterator[SqlParticipantBatch]:
        """One transaction: committed when the block ends, rolled back on an error."""
        async with _transaction(self._engine) as driver:
            yield SqlParticipantBatch(driver)

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
        merged["changed_xid"] = CHANGED_XID
        query = query.on_conflict_do_update(index_elements=[current.campaign_id], set_=merged)
        async with self._engine.begin() as conn:
            await conn.execute(query, rows)  # executemany: one statement, prepared once, for the batch
            stored = await conn.execute(
                select(campaigns).where(current.campaign_id.in_([r["campaign_id"] for r in rows]))
            )
            return [_campaign(row._mapping) for row in stored]

    async def changes(self, horizon: int) -> CountRows:
        """The count, campaign and target rows changed since ``horizon`` (0: all), and the next horizon.

        One repeatable-read snapshot: every transaction below its xmin has ended, so a row it
        wrote is in this read; one still running has an id at or above the next horizon.
        """
        async with _transaction(self._engine, isolation="repeatable_read", readonly=True) as driver:
            next_horizon = await driver.fetchval(sql.SNAPSHOT_XMIN)
            cells = await driver.fetch(sql.CHANGED_CELLS, horizon)
            years = await driver.fetch(sql.CHANGED_YEARS, horizon)
            totals = await driver.fetch(sql.CHANGED_CONTRIBUTIONS, horizon)
            stored = await driver.fetch(sql.CHANGED_CAMPAIGNS, horizon)
            known = await driver.fetch(sql.CHANGED_TARGETS, horizon)
        return CountRows(
            horizon=next_horizon,
            cells=[tuple(r) for r in cells],
            years=[tuple(r) for r in years],
            contributions=[tuple(r) for r in totals],
            campaigns=[Campaign(*r) for r in stored],
            targets=[_target(*r) for r in known],
        )

    async def coverage(self, *, day: date | None, branch: str | None) -> Coverage:
        """Registered participants by cell (with villages) as they stood on ``day`` (None: today).

        Read from the participants themselves: those registered by ``day``, each paid through the
        last step of its staircase on or before ``day``. One branch is an index range; all
        branches are a full scan (seconds at tens of millions).
        """
        coverage = Coverage()
        async with _transaction(self._engine, readonly=True) as driver:
            for row in await driver.fetch(sql.COVERAGE_ON, branch, day):
                month = NEVER_PAID if row[4] is None else row[4]
                coverage.add(CellKey(*row[:4]), month, row[5])
        return coverage

    async def village_coverage(self, *, branch: str | None) -> Coverage:
        """Registered participants by village (cells without segment or campaign) today, read from
        the village count rows: a branch's villages times months, whatever its participants."""
        coverage = Coverage()
        async with _transaction(self._engine, readonly=True) as driver:
            for branch_code, village, month, n in await driver.fetch(sql.VILLAGES_TODAY, branch):
                coverage.add(CellKey(branch_code, village, ""), month, n)
        return coverage

    async def branch_coverage(self, *, day: date, branch: str | None) -> Coverage:
        """Registered participants by branch (cells of the branch alone) as they stood on ``day``,
        summed from the standing moves up to that day: a branch's days times months to read."""
        coverage = Coverage()
        async with _transaction(self._engine, readonly=True) as driver:
            for branch_code, month, n in await driver.fetch(sql.BRANCHES_ON, branch, day):
                coverage.add(CellKey(branch_code, "", ""), month, n)
        return coverage

    async def campaign_contributions(self, day: date) -> Ledger:
        """Contributions per campaign paid on or before ``day`` (a scan of contributions)."""
        ledger = Ledger()
        async with _transaction(self._engine, readonly=True) as driver:
            for campaign_id, n, amount in await driver.fetch(sql.CAMPAIGN_CONTRIBUTIONS_ON, day):
                ledger.add(LedgerKey("", "", campaign_id), count=n, amount=amount)
        return ledger

    async def daily(
        self, *, start: date, end: date, branch: str | None
    ) -> list[tuple[str, date, int, int, int]]:
        """Registrations, contributions and rupiah per branch per day, from ``start`` to ``end``."""
        async with _transaction(self._engine, readonly=True) as driver:
            return [tuple(r) for r in await driver.fetch(sql.DAILY, start, end, branch)]

    async def save_target(self, target: Target) -> None:
        """Upsert a branch's target for a year."""
        query = insert(targets).values(asdict(target))
        query = query.on_conflict_do_update(
            index_elements=[targets.c.branch, targets.c.year],
            set_={
                "participants": target.participants,
                "measure": target.measure,
                "updated_at": func.now(),
                "changed_xid": CHANGED_XID,
            },
        )
        async with self._engine.begin() as conn:
            await conn.execute(query)

    async def delete_target(self, branch: str, year: int) -> None:
        """Mark a branch's target for a year deleted: a row without participants, with a new change id.

        An upsert, so a target of the packaged plan (no row yet) is deleted the same way.
        """
        query = insert(targets).values(branch=branch, year=year, participants=None, measure=None)
        query = query.on_conflict_do_update(
            index_elements=[targets.c.branch, targets.c.year],
            set_={
                "participants": None,
                "measure": None,
                "updated_at": func.now(),
                "changed_xid": CHANGED_XID,
            },
        )
        async with self._engine.begin() as conn:
            await conn.execute(query)

    async def compact(self, pages: int) -> int | None:
        """Fold the partition-share rows of every count table into one row per key, a window of
        ``pages`` heap pages per transaction; the rows moved, or None when another instance is
        compacting (this pass then stops at once)."""
        moved = 0
        for table, statement in sql.COMPACT.items():
            async with _transaction(self._engine, readonly=True) as driver:
                size = await driver.fetchval(sql.TABLE_PAGES, table)
            for start in range(0, size + 1, pages):  # + 1: a page added since is taken next pass
                async with _transaction(self._engine) as driver:
                    if not await driver.fetchval(sql.TRY_COMPACTION_LOCK):
                        return None
                    moved += await driver.fetchval(statement, start, start + pages)
        return moved

    async def fingerprint(self) -> dict[str, str]:
        """Every stored fact and count under a readable name (partitions summed), to compare two stores."""
        async with _transaction(self._engine, isolation="repeatable_read", readonly=True) as driver:
            flat = await _flat(driver, sql.FINGERPRINT)
            for row in await driver.fetch(sql.CHANGED_CAMPAIGNS, 0):
                flat.update(Campaign(*row).cell_by_cell())
        return flat

    async def audit(self) -> list[str]:
        """Where the count tables differ from what the participants and contributions add up to."""
        async with _transaction(self._engine, isolation="repeatable_read", readonly=True) as driver:
            kept = await _flat(driver, {name: sql.FINGERPRINT[name] for name in sql.DERIVED})
            derived = await _flat(driver, sql.DERIVED)  # the same snapshot as the counts
        return differences(kept, derived)


@asynccontextmanager
async def _transaction(engine: AsyncEngine, **options: Any) -> AsyncIterator[Any]:
    """A pooled connection's asyncpg connection inside a real transaction of its own.

    SQLAlchemy's asyncpg adapter opens its transaction at its own first statement, so statements
    sent straight to the asyncpg connection under ``engine.begin()`` would each commit alone.
    Errors of a lost or refused connection become StoreUnavailable.
    """
    try:
        async with engine.connect() as conn:
            driver = await _driver(conn)
            async with driver.transaction(**options):
                yield driver
    except (asyncpg.InterfaceError, asyncpg.InternalClientError) as err:
        raise StoreUnavailable(f"the metrics database connection failed: {err}") from err
    except asyncpg.PostgresError as err:
        if str(err.sqlstate or "").startswith(_UNAVAILABLE_SQLSTATES):
            raise StoreUnavailable(f"the metrics database cannot serve now: {err}") from err
        raise


async def _flat(driver: Any, queries: Mapping[str, str]) -> dict[str, str]:
    """Run queries whose last column is a value; name each non-zero value by query and key."""
    flat: dict[str, str] = {}
    for name, query in queries.items():
        for *key, value in await driver.fetch(query):
            if value:  # the queries leave out keys whose sums are zero
                flat[f"{name} {'/'.join(str(k) for k in key)}"] = str(value)
    return flat


async def _driver(conn: Any) -> Any:
    """The asyncpg connection under a SQLAlchemy connection (its transaction stays SQLAlchemy's)."""
    return (await conn.get_raw_connection()).driver_connection


def _participant(row: Any) -> Participant:
    steps = tuple(Step(d, m) for d, m in zip(row[8], row[9], strict=True))
    return Participant(row[0], CellKey(*row[1:5]), row[5], row[6], steps)


def _participant_row(p: Participant) -> tuple[Any, ...]:
    days = "{" + ",".join(s.paid_on.isoformat() for s in p.steps) + "}"
    months = "{" + ",".join(str(s.month) for s in p.steps) + "}"
    return (p.participant_id, *p.key, p.registered, p.registered_on, p.paid_through, days, months)


def _day_rows(moved: Mapping[int, Footprint], received: Mapping[int, Receipts]) -> list[tuple[Any, ...]]:
    keys = {(part, *k) for part, f in moved.items() for k in f.days} | {
        (part, *k) for part, r in received.items() for k in r.days
    }
    rows = []
    for part, branch, day in sorted(keys, key=lambda k: (k[2], k[1], k[0])):  # the primary key's order
        f, r = moved.get(part), received.get(part)
        regs = f.days[(branch, day)] if f else 0
        paid, rupiah = (r.days[(branch, day)], r.day_amounts[(branch, day)]) if r else (0, 0)
        rows.append((day, branch, part, regs, paid, rupiah))
    return rows


def _columns(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """Rows as one list per column (the arrays ``unnest`` takes); empty lists for no rows."""
    return [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]


def _by_participant(change: Change) -> int:
    return change.new.participant_id.int


def _target(branch: str, year: int, participants: int | None, measure: Any) -> Target | DeletedTarget:
    """A target row as read: deleted when it has no participants."""
    if participants is None:
        return DeletedTarget(branch, year)
    return Target(branch, year, participants, measure)


def _by_id(campaign: Campaign) -> str:
    return campaign.campaign_id


def _campaign(row: Any) -> Campaign:
    fields = {k: v for k, v in row.items() if k not in ("status_rank", "changed_xid")}
    return Campaign(**fields)
