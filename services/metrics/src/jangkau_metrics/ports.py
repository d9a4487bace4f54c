"""Roles the metrics use cases need from infrastructure."""

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date
from typing import Protocol
from uuid import UUID

from jangkau_metrics.domain.campaigns import Campaign
from jangkau_metrics.domain.coverage import Change, Participant
from jangkau_metrics.domain.ledger import Contribution
from jangkau_metrics.domain.snapshot import Snapshot
from jangkau_metrics.domain.targets import Target


class ParticipantBatch(Protocol):
    """One transaction over participant rows: everything or nothing is committed."""

    async def record_contributions(self, contributions: Sequence[Contribution]) -> set[UUID]:
        """Store contributions not seen before; return the ids of those that are new."""
        ...

    async def lock(self, participant_ids: Sequence[UUID]) -> dict[UUID, Participant]:
        """Lock and return the stored rows of these participants (absent ones are missing)."""
        ...

    async def save(self, changes: Sequence[Change]) -> None:
        """Write the changed participants."""
        ...


class CoverageStore(Protocol):
    """Durable, idempotent store of everything applied."""

    def participant_batch(self) -> AbstractAsyncContextManager[ParticipantBatch]:
        """Open one transaction; it commits when the block ends without an error."""
        ...

    async def merge_campaigns(self, facts: Sequence[Campaign]) -> list[Campaign]:
        """Merge campaign facts into the stored campaigns; return them as now stored."""
        ...

    async def load(self) -> Snapshot:
        """Rebuild the in-memory counts from the stored rows."""
        ...

    async def history(self, day: date) -> Snapshot:
        """Coverage as it stood on a past day, from the stored rows."""
        ...

    async def targets(self) -> list[Target]:
        """Targets set over the API."""
        ...

    async def save_target(self, target: Target) -> None:
        """Store (or replace) a branch's target for a year."""
        ...
