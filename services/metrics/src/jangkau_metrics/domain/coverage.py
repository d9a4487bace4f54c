"""Coverage counts as served: per cell, a histogram of paid-through months and a never-paid count.

A cell is one (branch, village, segment, campaign) combination. The state counts for any day are
sums over a cell's months, so memory is O(cells x months), never O(participants). The view that
follows the database keeps cells without their village (village figures are read on request).
"""

from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date
from typing import Final, NamedTuple, TypeVar

from jangkau_metrics.domain.months import State, last_due_month, standing

K = TypeVar("K", bound=Hashable)

#: The paid-through bucket of participants who never paid (a key column cannot hold NULL).
NEVER_PAID: Final = -1


class CellKey(NamedTuple):
    """The coarse attributes participants are counted by (a tuple: hashed millions of times a minute)."""

    branch: str
    village_code: str
    segment: str
    campaign_id: str = ""


@dataclass
class Cell:
    """Registered participants of one cell: never paid, and a histogram of paid-through months.

    The state counts of the last day asked are kept until the cell changes: a dashboard asks for
    the same day many times between two changes of a cell.
    """

    registered: int = 0
    never_paid: int = 0
    paid_through: Counter[int] = field(default_factory=Counter)
    _day: date | None = field(default=None, repr=False, compare=False)
    _states: Counter[State] = field(default_factory=Counter, repr=False, compare=False)

    def add(self, paid_through: int, n: int) -> None:
        """Add ``n`` (or remove, n < 0) participants paid through a month (or NEVER_PAID)."""
        self.registered += n
        if paid_through == NEVER_PAID:
            self.never_paid += n
        else:
            self.paid_through[paid_through] += n
        self._day = None

    def merge(self, paid_through: Counter[int], never_paid: int) -> None:
        """Add a histogram of months and the never-paid count (Counter.update runs in C)."""
        self.paid_through.update(paid_through)
        self.never_paid += never_paid
        self.registered += never_paid + paid_through.total()
        self._day = None

    def states(self, day: date) -> Counter[State]:
        """Count this cell's participants by state on ``day`` (do not change the answer)."""
        if self._day == day:
            return self._states
        due = last_due_month(day)
        counts: Counter[State] = Counter({State.NEVER_PAID: self.never_paid})
        for month, n in self.paid_through.items():
            if n:
                counts[standing(due - month)] += n
        self._day, self._states = day, counts
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
    """Registered participants by cell, those awaiting their registration, registrations per year."""

    cells: dict[CellKey, Cell] = field(default_factory=dict)
    #: The same participants summed per branch: what most reads ask for, a few hundred cells.
    branches: dict[str, Cell] = field(default_factory=dict)
    awaiting_registration: Counter[str] = field(default_factory=Counter)
    registrations_per_year: Counter[tuple[str, int]] = field(default_factory=Counter)

    def add(self, key: CellKey, paid_through: int, n: int) -> None:
        """Add ``n`` (or remove, n < 0) registered participants paid through a month (or NEVER_PAID)."""
        cell = self.cells.get(key)
        if cell is None:  # not setdefault(key, Cell()): that builds a Cell and a Counter every time
            cell = self.cells[key] = Cell()
        cell.add(paid_through, n)
        branch = self.branches.get(key.branch)
        if branch is None:
            branch = self.branches[key.branch] = Cell()
        branch.add(paid_through, n)

    def add_histogram(self, key: CellKey, months: dict[int, int]) -> None:
        """Add a whole histogram of participants per paid-through month (or NEVER_PAID) at once."""
        histogram = Counter({m: n for m, n in months.items() if n and m != NEVER_PAID})
        never_paid = months.get(NEVER_PAID, 0)
        (self.cells.get(key) or self.cells.setdefault(key, Cell())).merge(histogram, never_paid)
        branch = self.branches.get(key.branch) or self.branches.setdefault(key.branch, Cell())
        branch.merge(histogram, never_paid)

    def tally(self, day: date, group: Callable[[CellKey], K], *, branch: str | None = None) -> dict[K, Tally]:
        """Registered and state counts on ``day``, grouped by ``group(cell key)``, of one branch or all."""
        result: dict[K, Tally] = {}
        for key, cell in self.cells.items():
            if branch is None or key.branch == branch:
                result.setdefault(group(key), Tally()).add(cell, day)
        return result

    def tally_branches(
        self, day: date, group: Callable[[str], K], *, branch: str | None = None
    ) -> dict[K, Tally]:
        """Like ``tally`` for groups of whole branches (branch, region): one cell per branch to add."""
        result: dict[K, Tally] = {}
        for name, cell in self.branches.items():
            if branch is None or name == branch:
                result.setdefault(group(name), Tally()).add(cell, day)
        return result

    def registered_in_year(self, year: int, *, since_ever: bool = False) -> Counter[str]:
        """Registrations per branch made in ``year`` (or by its end, ``since_ever``)."""
        counts: Counter[str] = Counter()
        for (branch, registered_year), n in self.registrations_per_year.items():
            if registered_year == year or (since_ever and registered_year < year):
                counts[branch] += n
        return counts
