"""Roles the metrics use cases need from infrastructure."""

from collections.abc import Sequence
from typing import Protocol

from jangkau_metrics.domain.coverage import Enrolment


class CoverageStore(Protocol):
    """Durable, idempotent store of what was applied."""

    async def apply_enrolments(self, enrolments: Sequence[Enrolment]) -> list[str]:
        """Store enrolments not seen before in one transaction; return their branches."""
        ...

    async def registered_by_branch(self) -> dict[str, int]:
        """Return registered counts per branch."""
        ...
