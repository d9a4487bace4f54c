"""Roles the use cases need from infrastructure."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from jangkau_campaigns.domain.attribution import Fact, Payment, Registration
from jangkau_campaigns.domain.campaigns import Campaign, CampaignStatus
from jangkau_shared.events import CampaignKind
from jangkau_shared.ports import TransactionalOutbox


class Actor(Protocol):
    """Who is calling: a team limited to some branches."""

    def may_act_for(self, branch: str) -> bool:
        """Return True when the caller may read or write ``branch``'s campaigns."""
        ...


class Places(Protocol):
    """Reference data: which villages exist, which branch office serves each, which branches exist."""

    def is_village(self, code: str) -> bool:
        """Tell whether ``code`` is a known desa/kelurahan."""
        ...

    def branch_for_village(self, code: str) -> str | None:
        """Return the branch office (KC) serving the village, or None when none does."""
        ...

    def office_of(self, branch: str) -> str | None:
        """Return the KC whose villages a branch works in (a KCP's parent), or None if unknown."""
        ...


@dataclass(frozen=True)
class CampaignFilter:
    """Which campaigns to list; a period selects campaigns that overlap it."""

    branches: frozenset[str] | None = None  # None: every branch
    status: CampaignStatus | None = None
    kind: CampaignKind | None = None
    start: date | None = None
    end: date | None = None
    limit: int = 50
    offset: int = 0


@dataclass
class StoredRecord:
    """The Kafka record an event came in, kept so it can be dead-lettered unchanged.

    Not frozen: it must satisfy the shared consumer ``Record`` protocol (plain attributes).
    """

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]


@dataclass(frozen=True)
class Incoming:
    """A decoded event as a fact, with the record it came in."""

    fact: Fact
    record: StoredRecord


@dataclass(frozen=True)
class ParkedEvent:
    """An event waiting for its campaign."""

    fact: Fact
    record: StoredRecord
    parked_at: datetime


class CampaignRepository(Protocol):
    """Campaigns by id, and their listing."""

    async def add(self, campaign: Campaign) -> None:
        """Store a new campaign; raise CampaignExists when the id is taken."""
        ...

    async def get(self, campaign_id: UUID, *, for_update: bool = False) -> Campaign | None:
        """Return a campaign, locked for this transaction when ``for_update``."""
        ...

    async def save(self, campaign: Campaign) -> None:
        """Store the new state of an existing campaign."""
        ...

    async def find(self, query: CampaignFilter) -> tuple[list[Campaign], int]:
        """Return one page of matching campaigns and the number of matches."""
        ...

    async def existing(self, campaign_ids: set[UUID]) -> set[UUID]:
        """Return those of ``campaign_ids`` that exist."""
        ...

    async def lock_ids(self, campaign_ids: set[UUID]) -> None:
        """Serialise with other transactions on these ids, existing or not (park vs plan race)."""
        ...


class AttributionStore(Protocol):
    """Registrations and payments kept for scoring; adding is idempotent by the entity's id."""

    async def add(self, facts: Sequence[Fact]) -> int:
        """Store facts not seen before; return how many were new."""
        ...

    async def registrations_of(self, campaign_id: UUID) -> list[Registration]:
        """Participants registered through a campaign."""
        ...

    async def payments_of_participants_of(self, campaign_id: UUID) -> list[Payment]:
        """Every payment of the participants registered through a campaign."""
        ...

    async def credited_to(self, campaign_id: UUID) -> list[Payment]:
        """Payments credited to a campaign by its id."""
        ...


class ParkedEvents(Protocol):
    """Events naming a campaign not known yet."""

    async def park(self, events: Sequence[Incoming]) -> int:
        """Keep events (idempotent by entity id); return how many were new."""
        ...

    async def take(self, campaign_ids: set[UUID] | None = None, *, limit: int = 1000) -> list[ParkedEvent]:
        """Remove and return parked events of these campaigns (None: of every campaign now known)."""
        ...

    async def take_expired(self, parked_before: datetime, *, limit: int = 1000) -> list[ParkedEvent]:
        """Remove and return events parked before ``parked_before``."""
        ...

    async def count(self) -> int:
        """Return how many events are parked."""
        ...


class UnitOfWork(TransactionalOutbox, Protocol):
    """One database transaction: state changes and the events they publish commit together."""

    @property
    def campaigns(self) -> CampaignRepository:
        """Campaigns in this transaction."""
        ...

    @property
    def attribution(self) -> AttributionStore:
        """Attributed registrations and payments in this transaction."""
        ...

    @property
    def parked(self) -> ParkedEvents:
        """Parked events in this transaction."""
        ...
