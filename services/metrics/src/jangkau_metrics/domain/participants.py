"""One participant as the metrics service keeps it, how events change it, and what it adds to the counts.

A participant's paid-through month on a day is the largest month paid by contributions made on
or before that day. The *steps* keep exactly that: the days on which it rose, and to what, so
that any past day is answered from the participant alone.
"""

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, NamedTuple
from uuid import UUID

from jangkau_metrics.domain.coverage import NEVER_PAID, CellKey


class Step(NamedTuple):
    """From ``paid_on`` on, the participant is paid through ``month`` (a month number)."""

    paid_on: date
    month: int


class Participant(NamedTuple):
    """One participant (no personal data): cell, registration and the staircase of paid-through months."""

    participant_id: UUID
    key: CellKey
    registered: bool
    registered_on: date | None = None
    steps: tuple[Step, ...] = ()

    @property
    def paid_through(self) -> int | None:
        """The month paid through by every contribution known (None: never paid)."""
        return self.steps[-1].month if self.steps else None

    def paid_through_on(self, day: date) -> int | None:
        """The month paid through by the contributions made on or before ``day``."""
        month = None
        for step in self.steps:
            if step.paid_on > day:
                break
            month = step.month
        return month


class Change(NamedTuple):
    """A participant before (None: unknown) and after one committed batch."""

    old: Participant | None
    new: Participant


def with_payment(steps: tuple[Step, ...], paid_on: date, month: int) -> tuple[Step, ...]:
    """The staircase after a payment: for each day, the largest month paid by then; only rises kept."""
    out: list[Step] = []
    for step in sorted((*steps, Step(paid_on, month))):
        if out and step.month <= out[-1].month:
            continue
        if out and out[-1].paid_on == step.paid_on:
            out[-1] = step  # same day, a larger month: sorted() puts it last
        else:
            out.append(step)
    return tuple(out)


def fold(
    current: dict[UUID, Participant],
    *,
    registrations: Iterable[Participant],
    payments: Iterable[tuple[Participant, Step]],
) -> list[Change]:
    """Apply registrations (the first one wins) and new payments (each extends the staircase).

    ``current`` holds the stored rows of the participants involved; payments are pairs of the
    participant as the payment describes it and the step (day paid, month reached) it brings.
    """
    after = dict(current)
    for registration in registrations:
        known = after.get(registration.participant_id)
        if known is None or not known.registered:
            steps = known.steps if known else ()
            after[registration.participant_id] = registration._replace(steps=steps)
    for described, step in payments:
        known = after.get(described.participant_id) or described
        steps = with_payment(known.steps, step.paid_on, step.month)
        if steps != known.steps or described.participant_id not in after:
            after[described.participant_id] = known._replace(steps=steps)
    return [Change(current.get(pid), p) for pid, p in after.items() if current.get(pid) != p]


@dataclass
class Footprint:
    """What participants add to the count tables (a change's delta: after minus before).

    ``cells``: (branch, segment, campaign, registered, paid-through month or NEVER_PAID) -> n;
    ``years``: (branch, year of registration) -> n; ``days``: (branch, registration day) -> n;
    ``villages``: (branch, village, month or NEVER_PAID) -> registered participants;
    ``moves``: (branch, day, month or NEVER_PAID) -> how many registered participants reached that
    month on that day (+1) or left it (-1): summed up to a day, they give the branch as it stood.
    """

    cells: Counter[tuple[str, str, str, bool, int]] = field(default_factory=Counter)
    years: Counter[tuple[str, int]] = field(default_factory=Counter)
    days: Counter[tuple[str, date]] = field(default_factory=Counter)
    villages: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    moves: Counter[tuple[str, date, int]] = field(default_factory=Counter)

    def add(self, p: Participant, weight: int) -> None:
        """Add ``weight`` participants like ``p`` (-1: take one away)."""
        key, paid = p.key, p.paid_through
        month = NEVER_PAID if paid is None else paid
        self.cells[(key.branch, key.segment, key.campaign_id, p.registered, month)] += weight
        if p.registered:
            self.villages[(key.branch, key.village_code, month)] += weight
        if p.registered and p.registered_on is not None:
            self.years[(key.branch, p.registered_on.year)] += weight
            self.days[(key.branch, p.registered_on)] += weight
            for day, reached, n in moves(p.registered_on, p.steps):
                self.moves[(key.branch, day, reached)] += n * weight

    def nonzero(self) -> "Footprint":
        """The same footprint without the entries that cancelled out."""
        counters: dict[str, Counter[Any]] = {f.name: getattr(self, f.name) for f in fields(self)}
        return Footprint(**{name: Counter({k: n for k, n in c.items() if n}) for name, c in counters.items()})


def moves(registered_on: date, steps: tuple[Step, ...]) -> Iterator[tuple[date, int, int]]:
    """When a participant registered on ``registered_on`` entered (+1) and left (-1) each
    paid-through month (NEVER_PAID before any): its whole staircase, seen from its registration on.

    The months reached by the registration day count from that day; each later step leaves the
    month before it (the steps' months only rise, so the one before is the previous step's).
    """
    before = [s for s in steps if s.paid_on <= registered_on]
    month = before[-1].month if before else NEVER_PAID
    yield registered_on, month, +1
    for step in steps[len(before) :]:
        yield step.paid_on, month, -1
        yield step.paid_on, step.month, +1
        month = step.month


def delta(changes: Iterable[Change]) -> Footprint:
    """How much the count tables move for these changes (entries that cancel out are dropped)."""
    moved = Footprint()
    for change in changes:
        if change.old is not None:
            moved.add(change.old, -1)
        moved.add(change.new, +1)
    return moved.nonzero()
