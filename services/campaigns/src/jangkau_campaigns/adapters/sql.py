"""SQL campaign repository and the unit of work on one async connection."""

from collections.abc import Callable
from typing import Any
from uuid import UUID

from sqlalchemy import Row, and_, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from jangkau_campaigns.adapters.attribution import SqlAttributionStore, SqlParkedEvents
from jangkau_campaigns.adapters.tables import campaigns, outbox
from jangkau_campaigns.domain.campaigns import Campaign, CampaignStatus
from jangkau_campaigns.domain.errors import CampaignExists
from jangkau_campaigns.ports import CampaignFilter
from jangkau_shared.events import CampaignKind
from jangkau_shared.outbox import OutboxUnitOfWork


def _row(campaign: Campaign) -> dict[str, Any]:
    row = dict(vars(campaign))
    row |= {
        "kind": campaign.kind.value,
        "status": campaign.status.value,
        "village_codes": list(campaign.village_codes),
        "partners": list(campaign.partners),
    }
    return row


def _campaign(row: Row[Any]) -> Campaign:
    values = dict(row._mapping)
    values |= {
        "kind": CampaignKind(values["kind"]),
        "status": CampaignStatus(values["status"]),
        "village_codes": tuple(values["village_codes"]),
        "partners": tuple(values["partners"]),
    }
    return Campaign(**values)


class SqlCampaignRepository:
    """Campaigns in PostgreSQL."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, campaign: Campaign) -> None:
        """Insert a campaign; a taken id raises CampaignExists."""
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(insert(campaigns).values(_row(campaign)))
        except IntegrityError as err:
            raise CampaignExists(campaign.campaign_id) from err

    async def get(self, campaign_id: UUID, *, for_update: bool = False) -> Campaign | None:
        """Return a campaign, row-locked when ``for_update``."""
        query = select(campaigns).where(campaigns.c.campaign_id == campaign_id)
        row = (await self._conn.execute(query.with_for_update() if for_update else query)).one_or_none()
        return _campaign(row) if row else None

    async def save(self, campaign: Campaign) -> None:
        """Write the campaign's new state."""
        await self._conn.execute(
            update(campaigns).where(campaigns.c.campaign_id == campaign.campaign_id).values(_row(campaign))
        )

    async def find(self, query: CampaignFilter) -> tuple[list[Campaign], int]:
        """Return a page of matches, newest start first, and the total."""
        where = and_(True, *_conditions(query))
        total = (await self._conn.execute(select(func.count()).select_from(campaigns).where(where))).scalar()
        page = (
            select(campaigns)
            .where(where)
            .order_by(campaigns.c.starts_on.desc(), campaigns.c.campaign_id)
            .limit(query.limit)
            .offset(query.offset)
        )
        return [_campaign(r) for r in (await self._conn.execute(page)).all()], int(total or 0)

    async def existing(self, campaign_ids: set[UUID]) -> set[UUID]:
        """Return the ids among ``campaign_ids`` that exist."""
        if not campaign_ids:
            return set()
        query = select(campaigns.c.campaign_id).where(campaigns.c.campaign_id.in_(campaign_ids))
        return set((await self._conn.execute(query)).scalars())

    async def lock_ids(self, campaign_ids: set[UUID]) -> None:
        """Take transaction-scoped advisory locks on the ids, in a fixed order (no deadlocks)."""
        for campaign_id in sorted(campaign_ids):
            await self._conn.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:id, 0))"), {"id": str(campaign_id)}
            )


def _conditions(query: CampaignFilter) -> list[Any]:
    c = campaigns.c
    conditions: list[Any] = []
    if query.branches is not None:
        conditions.append(c.branch.in_(sorted(query.branches)))
    if query.status is not None:
        conditions.append(c.status == query.status.value)
    if query.kind is not None:
        conditions.append(c.kind == query.kind.value)
    if query.start is not None:
        conditions.append(func.coalesce(c.held_to, c.ends_on) >= query.start)
    if query.end is not None:
        conditions.append(func.coalesce(c.held_from, c.starts_on) <= query.end)
    return conditions


class SqlUnitOfWork(OutboxUnitOfWork):
    """A transaction on one connection; outbox rows are inserted at commit."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        source: str,
        topic_prefix: str = "",
        on_events_committed: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(
            engine, outbox, source=source, topic_prefix=topic_prefix, on_events_committed=on_events_committed
        )

    def _bind(self, conn: AsyncConnection) -> None:
        self.campaigns = SqlCampaignRepository(conn)
        self.attribution = SqlAttributionStore(conn)
        self.parked = SqlParkedEvents(conn)
