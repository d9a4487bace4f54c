"""Coverage counts per branch, kept in memory and moved only by committed effects."""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from uuid import UUID


@dataclass(frozen=True)
class Enrolment:
    """A participant as the metrics service knows it: coarse attributes only."""

    participant_id: UUID
    branch: str
    village_code: str
    segment: str


@dataclass
class CoverageSnapshot:
    """Registered participants per branch; read by scrapes, written after each commit."""

    registered: Counter[str] = field(default_factory=Counter)

    def add_registered(self, branches: Iterable[str]) -> None:
        """Count newly stored participants (never a duplicate: the store decides)."""
        self.registered.update(branches)

    def replace(self, registered: Mapping[str, int]) -> None:
        """Load counts from the store at start."""
        self.registered = Counter(registered)
