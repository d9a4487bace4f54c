"""Everything the service serves, held in memory and moved only after commits."""

from dataclasses import dataclass, field

from jangkau_metrics.domain.campaigns import Campaign
from jangkau_metrics.domain.coverage import Coverage
from jangkau_metrics.domain.ledger import Ledger
from jangkau_metrics.domain.targets import Plan


@dataclass
class Snapshot:
    """Coverage counts, contributions, campaigns and the targets they are measured against."""

    coverage: Coverage = field(default_factory=Coverage)
    ledger: Ledger = field(default_factory=Ledger)
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    plan: Plan = field(default_factory=lambda: Plan((), {}))

    def replace(self, other: "Snapshot") -> None:
        """Take over another snapshot's counts (loading at start); the plan is kept."""
        self.coverage, self.ledger, self.campaigns = other.coverage, other.ledger, other.campaigns

    def cell_by_cell(self) -> dict[str, str]:
        """Every count derived from events, by name: two stores agree when these are equal."""
        cells: dict[str, str] = {}
        cells.update({k: str(v) for k, v in self.coverage.cell_by_cell().items()})
        cells.update({k: str(v) for k, v in self.ledger.cell_by_cell().items()})
        for campaign_id in sorted(self.campaigns):
            cells.update(self.campaigns[campaign_id].cell_by_cell())
        return cells


def differences(live: dict[str, str], rebuilt: dict[str, str]) -> list[str]:
    """Describe every cell where two stores disagree, one line each, sorted."""
    return [
        f"{name}: live={live.get(name, '0')} rebuilt={rebuilt.get(name, '0')}"
        for name in sorted(live.keys() | rebuilt.keys())
        if live.get(name) != rebuilt.get(name)
    ]
