"""Use cases of the metrics service."""

from collections.abc import Sequence

from jangkau_metrics.domain.coverage import CoverageSnapshot, Enrolment
from jangkau_metrics.ports import CoverageStore


async def apply_enrolments(
    enrolments: Sequence[Enrolment], *, store: CoverageStore, snapshot: CoverageSnapshot
) -> int:
    """Commit new enrolments, then move the in-memory counts by what the store accepted."""
    branches = await store.apply_enrolments(enrolments)
    snapshot.add_registered(branches)
    return len(branches)


async def load_snapshot(*, store: CoverageStore, snapshot: CoverageSnapshot) -> None:
    """Fill the in-memory counts from the store (at start, before consuming)."""
    snapshot.replace(await store.registered_by_branch())
