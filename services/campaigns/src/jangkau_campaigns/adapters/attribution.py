"""SQL stores of attributed registrations and payments, and of parked events."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from jangkau_campaigns.adapters.events import fact_from_record
from jangkau_campaigns.adapters.tables import campaigns, parked_events, payments, registrations
from jangkau_campaigns.domain.attribution import Fact, Payment, Registration, entity_key
from jangkau_campaigns.domain.months import Month
from jangkau_campaigns.ports import Incoming, ParkedEvent, StoredRecord


def _registration_row(r: Registration) -> dict[str, Any]:
    return {
        "participant_id": r.participant_id,
        "campaign_id": r.campaign_id,
        "branch": r.branch,
        "village_code": r.village_code,
        "segment": r.segment,
        "registered_on": r.registered_on,
    }


def _payment_row(p: Payment) -> dict[str, Any]:
    return {
        "contribution_id": p.contribution_id,
        "participant_id": p.participant_id,
        "campaign_id": p.campaign_id,
        "first_month": p.first_month.first_day(),
        "months": p.months,
        "paid_through": p.paid_through.first_day(),
        "amount": p.amount,
        "payer_type": p.payer_type,
        "paid_on": p.paid_on,
    }


def _payment(row: Row[Any]) -> Payment:
    return Payment(
        contribution_id=row.contribution_id,
        participant_id=row.participant_id,
        campaign_id=row.campaign_id,
        first_month=Month.containing(row.first_month),
        months=row.months,
        paid_through=Month.containing(row.paid_through),
        amount=row.amount,
        payer_type=row.payer_type,
        paid_on=row.paid_on,
    )


class SqlAttributionStore:
    """Idempotent inserts (ON CONFLICT DO NOTHING on the entity's id): a redelivery changes nothing."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, facts: Sequence[Fact]) -> int:
        """Insert facts not seen before; return how many were new."""
        regs = [_registration_row(f) for f in facts if isinstance(f, Registration)]
        pays = [_payment_row(f) for f in facts if isinstance(f, Payment)]
        new = 0
        for table, rows in ((registrations, regs), (payments, pays)):
            if rows:
                query = insert(table).values(rows).on_conflict_do_nothing()
                new += (await self._conn.execute(query)).rowcount
        return new

    async def registrations_of(self, campaign_id: UUID) -> list[Registration]:
        """Participants registered through the campaign."""
        query = select(registrations).where(registrations.c.campaign_id == campaign_id)
        rows = (await self._conn.execute(query)).all()
        return [
            Registration(
                participant_id=r.participant_id,
                campaign_id=r.campaign_id,
                branch=r.branch,
                village_code=r.village_code,
                segment=r.segment,
                registered_on=r.registered_on,
            )
            for r in rows
        ]

    async def payments_of_participants_of(self, campaign_id: UUID) -> list[Payment]:
        """Every payment of the campaign's participants, whatever campaign it names."""
        theirs = select(registrations.c.participant_id).where(registrations.c.campaign_id == campaign_id)
        query = select(payments).where(payments.c.participant_id.in_(theirs))
        return [_payment(r) for r in (await self._conn.execute(query)).all()]

    async def credited_to(self, campaign_id: UUID) -> list[Payment]:
        """Payments that name the campaign."""
        query = select(payments).where(payments.c.campaign_id == campaign_id)
        return [_payment(r) for r in (await self._conn.execute(query)).all()]


class SqlParkedEvents:
    """Parked events, taken (deleted and returned) under row locks so two sweepers never share one."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def park(self, events: Sequence[Incoming]) -> int:
        """Keep events not parked yet; return how many were new."""
        if not events:
            return 0
        rows = [_parked_row(e) for e in events]
        query = insert(parked_events).values(rows).on_conflict_do_nothing()
        return int((await self._conn.execute(query)).rowcount)

    async def take(self, campaign_ids: set[UUID] | None = None, *, limit: int = 1000) -> list[ParkedEvent]:
        """Remove and return parked events of ``campaign_ids``, or of every campaign that now exists."""
        p = parked_events.c
        condition: Any
        if campaign_ids is None:
            condition = exists().where(campaigns.c.campaign_id == p.campaign_id)
        else:
            condition = p.campaign_id.in_(campaign_ids)
        return await self._take(condition, limit)

    async def take_expired(self, parked_before: datetime, *, limit: int = 1000) -> list[ParkedEvent]:
        """Remove and return events parked before ``parked_before``."""
        return await self._take(parked_events.c.parked_at < parked_before, limit)

    async def count(self) -> int:
        """Return how many events are parked."""
        return int((await self._conn.execute(select(func.count()).select_from(parked_events))).scalar() or 0)

    async def _take(self, condition: Any, limit: int) -> list[ParkedEvent]:
        p = parked_events.c
        chosen = (
            select(p.entity_key)
            .where(condition)
            .order_by(p.parked_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        query = delete(parked_events).where(p.entity_key.in_(chosen)).returning(*parked_events.c)
        rows = (await self._conn.execute(query)).all()
        return [_parked(r) for r in sorted(rows, key=lambda r: r.parked_at)]


def _parked_row(event: Incoming) -> dict[str, Any]:
    record = event.record
    return {
        "entity_key": entity_key(event.fact),
        "campaign_id": event.fact.campaign_id,
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "record_key": record.key,
        "value": record.value or b"",
        "headers": [[name, value.decode()] for name, value in record.headers],
    }


def _parked(row: Row[Any]) -> ParkedEvent:
    record = StoredRecord(
        topic=row.topic,
        partition=row.partition,
        offset=row.offset,
        key=row.record_key,
        value=row.value,
        headers=tuple((name, value.encode()) for name, value in row.headers),
    )
    return ParkedEvent(fact=fact_from_record(record), record=record, parked_at=row.parked_at)
