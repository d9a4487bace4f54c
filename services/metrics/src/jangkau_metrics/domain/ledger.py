"""Contributions received: counts and amounts, by branch and payer, campaign and day."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple
from uuid import UUID


class Contribution(NamedTuple):
    """One payment, as far as the counts need it."""

    contribution_id: UUID
    participant_id: UUID
    branch: str
    payer_type: str
    campaign_id: str
    paid_on: date
    amount: int
    paid_through: int


class LedgerKey(NamedTuple):
    """What contributions are summed by (a tuple: cheap to hash)."""

    branch: str
    payer_type: str
    campaign_id: str
    paid_on: date


@dataclass
class Ledger:
    """Contribution counts and rupiah amounts; also kept pre-summed for cheap scrapes."""

    count: Counter[LedgerKey] = field(default_factory=Counter)
    amount: Counter[LedgerKey] = field(default_factory=Counter)
    by_branch_payer: Counter[tuple[str, str]] = field(default_factory=Counter)
    amount_by_branch_payer: Counter[tuple[str, str]] = field(default_factory=Counter)
    by_campaign: Counter[str] = field(default_factory=Counter)
    amount_by_campaign: Counter[str] = field(default_factory=Counter)
    by_branch_day: Counter[tuple[str, date]] = field(default_factory=Counter)
    amount_by_branch_day: Counter[tuple[str, date]] = field(default_factory=Counter)

    def add(self, key: LedgerKey, *, count: int, amount: int) -> None:
        """Add ``count`` contributions worth ``amount`` rupiah under ``key``."""
        self.count[key] += count
        self.amount[key] += amount
        branch_payer = (key.branch, key.payer_type)
        self.by_branch_payer[branch_payer] += count
        self.amount_by_branch_payer[branch_payer] += amount
        if key.campaign_id:
            self.by_campaign[key.campaign_id] += count
            self.amount_by_campaign[key.campaign_id] += amount
        branch_day = (key.branch, key.paid_on)
        self.by_branch_day[branch_day] += count
        self.amount_by_branch_day[branch_day] += amount

    def record(self, contribution: Contribution) -> None:
        """Count one new contribution (call only after its commit)."""
        key = LedgerKey(
            contribution.branch, contribution.payer_type, contribution.campaign_id, contribution.paid_on
        )
        self.add(key, count=1, amount=contribution.amount)

    def cell_by_cell(self) -> dict[str, int]:
        """Every count and amount under a readable name, to compare two stores exactly."""
        flat: dict[str, int] = {}
        for key in sorted(self.count):
            name = f"{key.branch}/{key.payer_type}/{key.campaign_id or '-'}/{key.paid_on}"
            flat[f"{name} contributions"] = self.count[key]
            flat[f"{name} rupiah"] = self.amount[key]
        return {name: n for name, n in flat.items() if n}
