"""The service's cache of the count tables: the rows as last read, and the counts they add up to.

The store keeps counts in rows per Kafka partition (so instances folding different partitions
never wait on each other). A read brings each changed key's count summed over the partitions: an
absolute value, never an increment, so reading a key twice is harmless, and the counts move by
the difference to the value held before.
"""

from dataclasses import dataclass, field
from typing import NamedTuple

from jangkau_metrics.domain.campaigns import Campaign
from jangkau_metrics.domain.coverage import CellKey
from jangkau_metrics.domain.ledger import LedgerKey
from jangkau_metrics.domain.snapshot import Snapshot
from jangkau_metrics.domain.targets import DeletedTarget, Target

#: branch, segment, campaign, registered; its paid-through months (or NEVER_PAID) and participants
CellRow = tuple[str, str, str, bool, list[int], list[int]]
#: branch, year of registration, registrations
YearRow = tuple[str, int, int]
#: branch, payer type, campaign, contributions, rupiah
ContributionRow = tuple[str, str, str, int, int]


class CountRows(NamedTuple):
    """Rows changed since a horizon, and the horizon to ask from next time."""

    horizon: int
    cells: list[CellRow]
    years: list[YearRow]
    contributions: list[ContributionRow]
    campaigns: list[Campaign]
    targets: list[Target | DeletedTarget]


@dataclass
class View:
    """Counts that follow the store: filled by a first read, then moved by each later one."""

    snapshot: Snapshot
    horizon: int = 0
    loaded: bool = False
    _cells: dict[tuple[str, str, str, bool], dict[int, int]] = field(default_factory=dict)
    _years: dict[tuple[str, int], int] = field(default_factory=dict)
    _contributions: dict[tuple[str, str, str], tuple[int, int]] = field(default_factory=dict)

    def apply(self, rows: CountRows) -> None:
        """Take the rows read; the counts move by the difference to what each row held before."""
        coverage, ledger = self.snapshot.coverage, self.snapshot.ledger
        take = self._take_first if not self.loaded else self._take
        for branch, segment, campaign, registered, months, counts in rows.cells:
            take((branch, segment, campaign, registered), dict(zip(months, counts, strict=True)))
        for branch, year, n in rows.years:
            coverage.registrations_per_year[(branch, year)] += n - self._years.get((branch, year), 0)
            self._years[(branch, year)] = n
        for branch, payer, campaign, count, amount in rows.contributions:
            total = LedgerKey(branch, payer, campaign)
            before = self._contributions.get(total, (0, 0))
            ledger.add(total, count=count - before[0], amount=amount - before[1])
            self._contributions[total] = (count, amount)
        for campaign_row in rows.campaigns:
            self.snapshot.campaigns[campaign_row.campaign_id] = campaign_row
        for target in rows.targets:
            self.snapshot.plan = self.snapshot.plan.with_target(target)
        self.horizon = rows.horizon
        self.loaded = True

    def _take_first(self, cell: tuple[str, str, str, bool], months: dict[int, int]) -> None:
        """A cell of the first read: its histogram taken whole (hundreds of thousands of months)."""
        branch, segment, campaign, registered = cell
        self._cells[cell] = months
        if registered:
            self.snapshot.coverage.add_histogram(CellKey(branch, "", segment, campaign), months)
        else:
            self.snapshot.coverage.awaiting_registration[branch] += sum(months.values())

    def _take(self, cell: tuple[str, str, str, bool], months: dict[int, int]) -> None:
        """A cell read again: each month moves by the difference to the count held before."""
        branch, segment, campaign, registered = cell
        held = self._cells.setdefault(cell, {})
        coverage = self.snapshot.coverage
        for month, n in months.items():
            moved = n - held.get(month, 0)
            held[month] = n
            if not moved:
                continue
            if registered:
                coverage.add(CellKey(branch, "", segment, campaign), month, moved)
            else:
                coverage.awaiting_registration[branch] += moved
