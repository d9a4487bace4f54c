"""Coverage counts kept in memory: histograms of paid-through months, moved only by committed changes.

Memory is O(cells x months), never O(participants): a cell is one (branch, village, segment,
campaign) combination, and the state counts for any date are sums over its months.
"""

from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple, TypeVar
from uuid import UUID

from jangkau_metrics.domain.months import State, last_due_month, standing

K = TypeVar("K", bound=Hashable)


class CellKey(NamedTuple):
    """The coarse attributes participants are counted by (a tuple: hashed millions of times a minute)."""

    branch: str
    village_code: str
    segment: str
    campaign_id: str = ""


class Participant(NamedTuple):
    """One participant as the metrics service keeps it (no personal data)."""

    participant_id: UUID
    key: CellKey
    registered: bool
    paid_through: int | None = None
    registered_on: date | None = None


class Change(NamedTuple):
    """A participant before (None: unknown) and after one committed batch."""

    old: Participant | None
    new: Participant


@dataclass
class Cell:
    """Registered participants of one cell: never paid, and a histogram of paid-through months."""

    registered: int = 0
    never_paid: int = 0
    paid_through: Counter[int] = field(default_factory=Counter)

    def states(self, day: date) -> Counter[State]:
        """Count this cell's participants by state on ``day``."""
        due = last_due_month(day)
        counts: Counter[State] = Counter({State.NEVER_PAID: self.never_paid})
        for month, n in self.paid_through.items():
            counts[standing(due - month)] += n
        return counts


@dataclass
class Tally:
    """Registered participants and their states for one group on one day."""

    registered: int = 0
    states: Counter[State] = field(default_factory=Counter)

    def add(self, cell: Cell, day: date) -> None:
        """Add a cell's counts on ``day``."""
        self.registered += cell.registered
        self.states.update(cell.states(day))


@dataclass
class Coverage:
    """All participant counts: cells, those awaiting their registration, registrations per day."""

    cells: dict[CellKey, Cell] = field(default_factory=dict)
    awaiting_registration: Counter[str] = field(default_factory=Counter)
    registrations_per_day: Counter[tuple[str, date]] = field(default_factory=Counter)

    def apply(self, changes: Iterable[Change]) -> None:
        """Move counts by committed changes (call only after the commit)."""
        for change in changes:
            if change.old is not None:
                self.place(change.old, -1)
            self.place(change.new, +1)

    def place(self, participant: Participant, weight: int) -> None:
        """Add (weight > 0) or remove (weight < 0) participants like ``participant``."""
        key = participant.key
        if not participant.registered:
            self.awaiting_registration[key.branch] += weight
            return
        cell = self.cells.get(key)
        if cell is None:  # not setdefault(key, Cell()): that builds a Cell and a Counter every time
            cell = self.cells[key] = Cell()
        cell.registered += weight
        if participant.paid_through is None:
            cell.never_paid += weight
        else:
            cell.paid_through[participant.paid_through] += weight
        if participant.registered_on is not None:
            self.registrations_per_day[(key.branch, participant.registered_on)] += weight

    def tally(self, day: date, group: Callable[[CellKey], K], *, branch: str | None = None) -> dict[K, Tally]:
        """Registered and state counts on ``day``, grouped by ``group(cell key)``, of one branch or all."""
        result: dict[K, Tally] = {}
        for key, cell in self.cells.items():
            if branch is None or key.branch == branch:
                result.setdefault(group(key), Tally()).add(cell, day)
        return result

    def registered_in_year(self, year: int, *, since_ever: bool = False) -> Counter[str]:
        """Registrations per branch made in ``year`` (or by its end, ``since_ever``)."""
        counts: Counter[str] = Counter()
        for (branch, day), n in self.registrations_per_day.items():
            if day.year == year or (since_ever and day.year < year):
                counts[branch] += n
        return counts

    def cell_by_cell(self) -> dict[str, int]:
        """Every non-zero count under a readable name, to compare two stores exactly."""
        flat: dict[str, int] = {}
        for key, cell in sorted(self.cells.items()):
            name = f"{key.branch}/{key.village_code}/{key.segment}/{key.campaign_id or '-'}"
            flat[f"{name} registered"] = cell.registered
            flat[f"{name} never_paid"] = cell.never_paid
            for month, n in sorted(cell.paid_through.items()):
                flat[f"{name} paid_through={month}"] = n
        for branch, n in sorted(self.awaiting_registration.items()):
            flat[f"{branch} awaiting_registration"] = n
        for (branch, day), n in sorted(self.registrations_per_day.items()):
            flat[f"{branch} registered_on={day}"] = n
        return {name: n for name, n in flat.items() if n}


def fold(
    current: dict[UUID, Participant],
    *,
    registrations: Iterable[Participant],
    payments: Iterable[tuple[Participant, int]],
) -> list[Change]:
    """Apply registrations (the first one wins) and new payments (paid-through only grows).

    ``current`` holds the stored rows of the participants involved; payments are pairs of the
    participant as the payment describes it and the paid-through month it reaches.
    """
    after = dict(current)
    for registration in registrations:
        known = after.get(registration.participant_id)
        if known is None or not known.registered:
            paid = known.paid_through if known else None
            after[registration.participant_id] = _with(registration, paid_through=paid)
    for described, paid_through in payments:
        known = after.get(described.participant_id)
        if known is None:
            after[described.participant_id] = _with(described, paid_through=paid_through)
        elif known.paid_through is None or paid_through > known.paid_through:
            after[described.participant_id] = _with(known, paid_through=paid_through)
    return [Change(current.get(pid), p) for pid, p in after.items() if current.get(pid) != p]


def _with(p: Participant, *, paid_through: int | None) -> Participant:
    return Participant(p.participant_id, p.key, p.registered, paid_through, p.registered_on)
