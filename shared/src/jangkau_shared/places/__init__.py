"""Reference places every service reads: Kemendagri areas (areas.csv.gz) and branch offices (branches.toml).

One copy of the data for the three services: registration derives a worker's branch from the
village, campaigns check that a campaign's villages lie in its branch, metrics take targets only
for a configured branch. See SOURCE.md for where the areas come from.
"""

import asyncio

from jangkau_shared.places.areas import AreaIndex, default_index
from jangkau_shared.places.branches import branch_by_code, branch_for_village, load_branches


async def build_index() -> None:
    """Build the country-wide area index off the event loop (a service's start), not on the first
    request that asks about a village."""
    await asyncio.to_thread(default_index)


class ReferencePlaces:
    """Answers village and branch questions from the packaged data (the area index is built once)."""

    def __init__(self, index: AreaIndex | None = None) -> None:
        self._index = index

    def _areas(self) -> AreaIndex:
        if self._index is None:
            self._index = default_index()  # built on first use, then shared
        return self._index

    def is_village(self, code: str) -> bool:
        """Tell whether ``code`` is a known desa/kelurahan."""
        return self._areas().is_village(code)

    def branch_for_village(self, code: str) -> str | None:
        """Return the code of the KC serving the village's regency/city, or None."""
        branch = branch_for_village(code)
        return branch.code if branch else None

    def branch_codes(self) -> frozenset[str]:
        """Every configured branch code: branch offices (KC) and sub-branches (KCP)."""
        return frozenset(branch.code for branch in load_branches())

    def office_of(self, branch: str) -> str | None:
        """Return the KC whose regencies a branch works in: itself for a KC, its parent for a KCP.

        A sub-branch has no regencies of its own (branches.toml): it works in its parent's.
        None when the branch is not configured.
        """
        found = branch_by_code(branch)
        if found is None:
            return None
        return found.parent or found.code
