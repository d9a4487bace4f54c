"""Read models over the snapshot: coverage by any grouping, targets, campaigns, daily series."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Literal

from jangkau_metrics.domain.coverage import CellKey, Tally
from jangkau_metrics.domain.months import State
from jangkau_metrics.domain.snapshot import Snapshot

Grouping = Literal["branch", "region", "village", "segment", "campaign"]


@dataclass(frozen=True)
class CoverageRow:
    """Participants of one group by state on a day."""

    key: str
    registered: int
    never_paid: int
    active: int
    arrears_1: int
    arrears_2: int
    arrears_3: int
    lapsed: int

    @classmethod
    def empty(cls, key: str) -> "CoverageRow":
        """The row of a group nobody is counted in yet."""
        return cls(key, 0, 0, 0, 0, 0, 0, 0)


@dataclass(frozen=True)
class TargetRow:
    """A branch's target for a year and how far it is reached."""

    branch: str
    year: int
    measure: str
    target: int
    actual: int
    achieved: float | None


@dataclass(frozen=True)
class DayRow:
    """Registrations and contributions of one branch on one day."""

    branch: str
    day: date
    registrations: int
    contributions: int
    rupiah: int


def _row(key: str, tally: Tally) -> CoverageRow:
    s = tally.states
    return CoverageRow(
        key=key,
        registered=tally.registered,
        never_paid=s[State.NEVER_PAID],
        active=s[State.ACTIVE],
        arrears_1=s[State.ARREARS_1],
        arrears_2=s[State.ARREARS_2],
        arrears_3=s[State.ARREARS_3],
        lapsed=s[State.LAPSED],
    )


def coverage(snapshot: Snapshot, *, day: date, by: Grouping, branch: str | None = None) -> list[CoverageRow]:
    """Participants by state on ``day``, grouped ``by`` one attribute, optionally of one branch."""
    coverage = snapshot.coverage
    if by in ("branch", "region"):
        of_branch = (lambda b: b) if by == "branch" else snapshot.plan.region_of
        tallies = coverage.tally_branches(day, of_branch, branch=branch)
    else:
        groups: dict[Grouping, Callable[[CellKey], str]] = {
            "village": lambda k: k.village_code,
            "segment": lambda k: k.segment,
            "campaign": lambda k: k.campaign_id,
        }
        tallies = coverage.tally(day, groups[by], branch=branch)
    return [_row(key, tally) for key, tally in sorted(tallies.items())]


def targets(snapshot: Snapshot, *, year: int | None = None) -> list[TargetRow]:
    """Every configured target (of one year, or all) with the count it is measured against."""
    registered = cache(snapshot.coverage.registered_in_year)  # one pass per year and measure, not per target
    rows = []
    for (branch, target_year), target in sorted(snapshot.plan.targets.items()):
        if year is not None and target_year != year:
            continue
        actual = registered(target_year, since_ever=target.measure == "registered")[branch]
        share = target.achieved(actual)
        rows.append(TargetRow(branch, target_year, target.measure, target.participants, actual, share))
    return rows
