"""Annual targets per branch and the regional workforce that coverage is measured against."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Literal

Measure = Literal["registered", "new_registrations"]
MEASURES: tuple[Measure, ...] = ("registered", "new_registrations")


class InvalidTarget(ValueError):
    """A target or region definition that cannot be used; the message names it."""


@dataclass(frozen=True)
class Target:
    """How many participants a branch should reach in a year, and what is counted."""

    branch: str
    year: int
    participants: int
    measure: Measure = "registered"

    def __post_init__(self) -> None:
        if self.participants < 0:
            raise InvalidTarget(f"target of {self.branch} {self.year} is negative: {self.participants}")
        if self.measure not in MEASURES:
            raise InvalidTarget(f"target of {self.branch} {self.year} has unknown measure {self.measure!r}")

    def achieved(self, actual: int) -> float | None:
        """Share of the target that ``actual`` participants reach (None for a zero target)."""
        return actual / self.participants if self.participants else None


@dataclass(frozen=True)
class DeletedTarget:
    """A target taken back: its row stays, without participants, so every instance's view learns of it.

    Each view reads the rows changed since its last read; a row deleted outright is never read.
    """

    branch: str
    year: int


class UnknownBranch(InvalidTarget):
    """A target for a branch that is not configured (a typo would become a series that never moves)."""

    def __init__(self, branch: str, known: Collection[str]) -> None:
        close = get_close_matches(branch, sorted(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(sorted(known))}"
        self.reason = f"is not a configured branch office{hint}"
        super().__init__(f"branch {branch!r} {self.reason}")
        self.branch = branch


class SubBranchTarget(UnknownBranch):
    """A target for a sub-branch (KCP): its participants count under its parent office, so the
    target would never move either."""

    def __init__(self, branch: str, office: str) -> None:
        self.reason = (
            f"is a sub-branch (KCP) of {office}: its participants count under {office}; set the target there"
        )
        InvalidTarget.__init__(self, f"branch {branch!r} {self.reason}")
        self.branch = branch


class TargetNotFound(LookupError):
    """No target is set for this branch and year."""

    def __init__(self, branch: str, year: int) -> None:
        super().__init__(f"no target of branch {branch!r} for {year}")
        self.branch, self.year = branch, year


@dataclass(frozen=True)
class Region:
    """A regional office (kanwil): its branches and, where known, its workforce."""

    code: str
    name: str
    branches: tuple[str, ...]
    workforce: int | None = None
    informal_share: float | None = None

    @property
    def informal_workforce(self) -> int | None:
        """Informal (BPU) workers in the region, when both figures are configured."""
        if self.workforce is None or self.informal_share is None:
            return None
        return round(self.workforce * self.informal_share)


@dataclass(frozen=True)
class Plan:
    """Regions and targets: the yardsticks coverage is reported against."""

    regions: tuple[Region, ...]
    targets: Mapping[tuple[str, int], Target]

    def region_of(self, branch: str) -> str:
        """The region code of a branch ("" when no region lists it)."""
        for region in self.regions:
            if branch in region.branches:
                return region.code
        return ""

    def with_target(self, target: Target | DeletedTarget) -> "Plan":
        """A plan where ``target`` replaces the branch's target for that year (a deleted one: none)."""
        targets = dict(self.targets)
        targets.pop((target.branch, target.year), None)
        if isinstance(target, Target):
            targets[(target.branch, target.year)] = target
        return Plan(self.regions, targets)
