"""Hand-written fakes and event builders of the metrics unit tests."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

from jangkau_metrics.domain.campaigns import Campaign, merged
from jangkau_metrics.domain.coverage import Change, Participant
from jangkau_metrics.domain.ledger import Contribution
from jangkau_metrics.domain.snapshot import Snapshot
from jangkau_metrics.domain.targets import Target
from jangkau_shared.deadletter import Decoded
from jangkau_shared.envelope import Envelope
from jangkau_shared.events import (
    Channel,
    ContributionPaidV1,
    EventData,
    PayerType,
    Programme,
    Segment,
    WorkerRegisteredV1,
)

AT = datetime(2017, 8, 13, 9, 30, tzinfo=UTC)


class FakeCoverageStore:
    """Keeps rows in dictionaries; a batch's writes land only when its block ends without error."""

    def __init__(self) -> None:
        self.participants: dict[UUID, Participant] = {}
        self.contributions: dict[UUID, Contribution] = {}
        self.campaigns: dict[str, Campaign] = {}
        self.saved_targets: list[Target] = []

    @asynccontextmanager
    async def participant_batch(self) -> AsyncIterator["_FakeBatch"]:
        batch = _FakeBatch(self)
        yield batch
        self.participants.update(batch.participants)
        self.contributions.update(batch.contributions)

    async def merge_campaigns(self, facts: Sequence[Campaign]) -> list[Campaign]:
        for fact in facts:
            known = self.campaigns.get(fact.campaign_id)
            self.campaigns[fact.campaign_id] = merged(known, fact) if known else fact
        return [self.campaigns[f.campaign_id] for f in facts]

    async def load(self) -> Snapshot:
        snapshot = Snapshot()
        for p in self.participants.values():
            snapshot.coverage.place(p, +1)
        for c in self.contributions.values():
            snapshot.ledger.record(c)
        return snapshot

    async def targets(self) -> list[Target]:
        return list(self.saved_targets)

    async def save_target(self, target: Target) -> None:
        self.saved_targets.append(target)


class _FakeBatch:
    def __init__(self, store: FakeCoverageStore) -> None:
        self._store = store
        self.participants: dict[UUID, Participant] = {}
        self.contributions: dict[UUID, Contribution] = {}

    async def record_contributions(self, items: Sequence[Contribution]) -> set[UUID]:
        new = {c.contribution_id: c for c in items if c.contribution_id not in self._store.contributions}
        self.contributions.update(new)
        return set(new)

    async def lock(self, participant_ids: Sequence[UUID]) -> dict[UUID, Participant]:
        return {
            pid: self._store.participants[pid] for pid in participant_ids if pid in self._store.participants
        }

    async def save(self, changes: Sequence[Change]) -> None:
        self.participants.update({c.new.participant_id: c.new for c in changes})


@dataclass
class _Record:
    topic: str
    partition: int = 0
    offset: int = 0
    key: bytes | None = None
    value: bytes | None = b"{}"
    headers: Sequence[tuple[str, bytes]] = ()


def decoded(data: EventData) -> Decoded:
    topic = "bpu.worker.registered.v1" if isinstance(data, WorkerRegisteredV1) else "bpu.contribution.paid.v1"
    return Decoded(_Record(topic), Envelope(str(uuid4()), "/test", "t", AT, data))


def registration(pid: UUID) -> WorkerRegisteredV1:
    return WorkerRegisteredV1(
        participant_id=pid,
        branch="jambi",
        village_code="15.04.01.2001",
        segment=Segment.FARMER,
        programmes=[Programme.JKK, Programme.JKM],
        income_bracket=1_000_000,
        channel=Channel.VILLAGE_OFFICE,
        registered_on=date(2018, 3, 1),
        registered_at=AT,
    )


def payment(pid: UUID, contribution: UUID, *, through: str = "2018-05") -> ContributionPaidV1:
    return ContributionPaidV1(
        contribution_id=contribution,
        participant_id=pid,
        branch="jambi",
        village_code="15.04.01.2001",
        segment=Segment.FARMER,
        first_month="2018-03",
        months=3,
        paid_through=through,
        amount=50_400,
        programmes=[Programme.JKK, Programme.JKM],
        payer_type=PayerType.VILLAGE_FUND,
        channel=Channel.VILLAGE_OFFICE,
        paid_on=date(2018, 3, 1),
        paid_at=AT,
    )
