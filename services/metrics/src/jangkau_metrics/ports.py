"""Roles the metrics use cases need from infrastructure."""

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date
from typing import Protocol
from uuid import UUID

from jangkau_metrics.domain.campaigns import Campaign
from jangkau_metrics.domain.coverage import Coverage
from jangkau_metrics.domain.ledger import Contribution, Ledger, Receipts
from jangkau_metrics.domain.participants import Change, Footprint, Participant
from jangkau_metrics.domain.targets import Target
from jangkau_metrics.domain.view import CountRows


class ParticipantBatch(Protocol):
    """One transaction over participant rows and the counts: everything or nothing is committed."""

    async def record_contributions(self, contributions: Sequence[Contribution]) -> set[UUID]:
        """Store contributions not seen before; return the ids of those that are new."""
        ...

    async def lock(self, participant_ids: Sequence[UUID]) -> dict[UUID, Participant]:
        """Lock and return the stored rows of these participants (absent ones are missing)."""
        ...

    async def save(self, changes: Sequence[Change]) -> None:
        """Write the changed participants."""
        ...

    async def move_counts(self, moved: Mapping[int, Footprint], received: Mapping[int, Receipts]) -> None:
        """Move the count tables by these deltas, each under its Kafka partition's share."""
        ...


class CoverageStore(Protocol):
    """Durable, idempotent store of everything applied, and the counts it adds up to."""

    def participant_batch(self) -> AbstractAsyncContextManager[ParticipantBatch]:
        """Open one transaction; it commits when the block ends without an error."""
        ...

    async def merge_campaigns(self, facts: Sequence[Campaign]) -> list[Campaign]:
        """Merge campaign facts into the stored campaigns; return them as now stored."""
        ...

    async def changes(self, horizon: int) -> CountRows:
        """The count, campaign and target rows changed since ``horizon`` (0: all)."""
        ...

    async def coverage(self, *, day: date | None, branch: str | None) -> Coverage:
        """Registered participants by cell, villages included, as they stood on ``day`` (None: now)."""
        ...

    async def village_coverage(self, *, branch: str | None) -> Coverage:
        """Registered participants by village today (cells without segment or campaign)."""
        ...

    async def branch_coverage(self, *, day: date, branch: str | None) -> Coverage:
        """Registered participants by branch (cells of the branch alone) as they stood on ``day``."""
        ...

    async def campaign_contributions(self, day: date) -> Ledger:
        """Contributions per campaign paid on or before ``day``."""
        ...

    async def daily(
        self, *, start: date, end: date, branch: str | None
    ) -> list[tuple[str, date, int, int, int]]:
        """Registrations, contributions and rupiah per branch per day."""
        ...

    async def save_target(self, target: Target) -> None:
        """Store (or replace) a branch's target for a year."""
        ...

    async def delete_target(self, branch: str, year: int) -> None:
        """Mark a branch's target for a year deleted, so that every view following the store drops it."""
        ...


class Branches(Protocol):
    """Reference data: the configured branch offices and sub-branches."""

    def branch_codes(self) -> frozenset[str]:
        """Every configured branch code, KC and KCP."""
        ...

    def office_of(self, branch: str) -> str | None:
        """The KC a branch counts under: itself for a KC, its parent for a KCP (None: unknown)."""
        ...
