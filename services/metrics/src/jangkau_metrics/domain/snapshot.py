"""Everything a read is answered from: coverage, contribution totals, campaigns and targets."""

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


def differences(live: dict[str, str], rebuilt: dict[str, str]) -> list[str]:
    """Describe every cell where two stores disagree, one line each, sorted."""
    return [
        f"{name}: live={live.get(name, '0')} rebuilt={rebuilt.get(name, '0')}"
        for name in sorted(live.keys() | rebuilt.keys())
        if live.get(name) != rebuilt.get(name)
    ]
