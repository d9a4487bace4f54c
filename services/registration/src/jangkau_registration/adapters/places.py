"""Places from the packaged reference data: Kemendagri villages and the branch serving each."""

from jangkau_registration.reference.areas import AreaIndex, default_index
from jangkau_registration.reference.branches import branch_for_village


class ReferencePlaces:
    """Answers village and branch questions from reference/ (areas.csv.gz, branches.toml)."""

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
