"""Hand-written fakes and event builders of the metrics unit tests."""

from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

from jangkau_metrics import service
from jangkau_metrics.domain.campaigns import Campaign, merged
from jangkau_metrics.domain.coverage import NEVER_PAID, CellKey, Coverage
from jangkau_metrics.domain.ledger import Contribution, Ledger, LedgerKey, Receipts
from jangkau_metrics.domain.participants import Change, Footprint, Participant
from jangkau_metrics.domain.snapshot import Snapshot
from jangkau_metrics.domain.targets import DeletedTarget, Target
from jangkau_metrics.domain.view import CountRows, View
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
    """Keeps rows in dictionaries; a batch's writes land only when its block ends without error.

    The count tables are dictionaries keyed like the real ones (partition first); ``changes``
    answers every row each time, which a view must take as harmlessly as a re-read.
    """

    def __init__(self) -> None:
        self.participants: dict[UUID, Participant] = {}
        self.contributions: dict[UUID, Contribution] = {}
        self.campaigns: dict[str, Campaign] = {}
        self.saved_targets: dict[tuple[str, int], Target | DeletedTarget] = {}
        self.cells: Counter[tuple[int, str, str, str, bool, int]] = Counter()
        self.years: Counter[tuple[int, str, int]] = Counter()
        self.totals: dict[tuple[int, str, str, str], tuple[int, int]] = {}
        self.days: Counter[tuple[int, str, date]] = Counter()
        self.villages: Counter[tuple[int, str, str, int]] = Counter()
        self.moves: Counter[tuple[int, str, date, int]] = Counter()
        self.reads = 0

    @asynccontextmanager
    async def participant_batch(self) -> AsyncIterator["_FakeBatch"]:
        batch = _FakeBatch(self)
        yield batch
        self.participants.update(batch.participants)
        self.contributions.update(batch.contributions)
        for part, f in batch.moved.items():
            self.cells.update({(part, *k): n for k, n in f.cells.items()})
            self.years.update({(part, *k): n for k, n in f.years.items()})
            self.days.update({(part, *k): n for k, n in f.days.items()})
            self.villages.update({(part, *k): n for k, n in f.villages.items()})
            self.moves.update({(part, *k): n for k, n in f.moves.items()})
        for part, r in batch.received.items():
            for k, n in r.totals.count.items():
                count, amount = self.totals.get((part, *k), (0, 0))
                self.totals[(part, *k)] = (count + n, amount + r.totals.amount[k])

    async def merge_campaigns(self, facts: Sequence[Campaign]) -> list[Campaign]:
        for fact in facts:
            known = self.campaigns.get(fact.campaign_id)
            self.campaigns[fact.campaign_id] = merged(known, fact) if known else fact
        return [self.campaigns[f.campaign_id] for f in facts]

    async def changes(self, horizon: int) -> CountRows:
        self.reads += 1
        cells: dict[tuple[str, str, str, bool], Counter[int]] = {}
        years: Counter[tuple[str, int]] = Counter()
        totals: dict[tuple[str, str, str], tuple[int, int]] = {}
        for (_, branch, segment, campaign, registered, month), n in self.cells.items():
            cells.setdefault((branch, segment, campaign, registered), Counter())[month] += n
        for (_, branch, year), n in self.years.items():
            years[(branch, year)] += n
        for (_, branch, payer, campaign), (count, amount) in self.totals.items():
            before = totals.get((branch, payer, campaign), (0, 0))
            totals[(branch, payer, campaign)] = (before[0] + count, before[1] + amount)
        return CountRows(
            horizon=horizon + 1,
            cells=[(*k, list(months), list(months.values())) for k, months in cells.items()],
            years=[(*k, n) for k, n in years.items()],
            contributions=[(*k, *v) for k, v in totals.items()],
            campaigns=list(self.campaigns.values()),
            targets=list(self.saved_targets.values()),
        )

    async def coverage(self, *, day: date | None, branch: str | None) -> Coverage:
        coverage = Coverage()
        for p in self.participants.values():
            if not p.registered or (branch and p.key.branch != branch):
                continue
            if day is not None and p.registered_on is not None and p.registered_on > day:
                continue
            month = p.paid_through if day is None else p.paid_through_on(day)
            coverage.add(p.key, NEVER_PAID if month is None else month, 1)
        return coverage

    async def village_coverage(self, *, branch: str | None) -> Coverage:
        coverage = Coverage()
        for (_, branch_code, village, month), n in self.villages.items():
            if n and branch in (None, branch_code):
                coverage.add(CellKey(branch_code, village, ""), month, n)
        return coverage

    async def branch_coverage(self, *, day: date, branch: str | None) -> Coverage:
        coverage = Coverage()
        for (_, branch_code, moved_on, month), n in self.moves.items():
            if n and moved_on <= day and branch in (None, branch_code):
                coverage.add(CellKey(branch_code, "", ""), month, n)
        return coverage

    async def campaign_contributions(self, day: date) -> Ledger:
        ledger = Ledger()
        for c in self.contributions.values():
            if c.paid_on <= day and c.campaign_id:
                ledger.add(LedgerKey("", "", c.campaign_id), count=1, amount=c.amount)
        return ledger

    async def daily(
        self, *, start: date, end: date, branch: str | None
    ) -> list[tuple[str, date, int, int, int]]:
        raise NotImplementedError("not used by the unit tests")

    async def save_target(self, target: Target) -> None:
        self.saved_targets[(target.branch, target.year)] = target

    async def delete_target(self, branch: str, year: int) -> None:
        self.saved_targets[(branch, year)] = DeletedTarget(branch, year)  # the row stays, marked deleted


class _FakeBatch:
    def __init__(self, store: FakeCoverageStore) -> None:
        self._store = store
        self.participants: dict[UUID, Participant] = {}
        self.contributions: dict[UUID, Contribution] = {}
        self.moved: dict[int, Footprint] = {}
        self.received: dict[int, Receipts] = {}

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

    async def move_counts(self, moved: Mapping[int, Footprint], received: Mapping[int, Receipts]) -> None:
        self.moved, self.received = dict(moved), dict(received)


async def served(store: FakeCoverageStore, view: View | None = None) -> Snapshot:
    """The counts a view serves after reading the store (a new view unless one is given)."""
    view = view or View(Snapshot())
    await service.refresh_view(store=store, view=view)
    return view.snapshot


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
