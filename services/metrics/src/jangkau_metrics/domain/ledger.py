"""Contributions received: counts and rupiah amounts, by branch, payer type and campaign, and by day."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple
from uuid import UUID


class Contribution(NamedTuple):
    """One payment, as far as the counts need it (the fields are the contributions table's columns)."""

    contribution_id: UUID
    participant_id: UUID
    branch: str
    payer_type: str
    campaign_id: str
    paid_on: date
    amount: int
    paid_through: int


class LedgerKey(NamedTuple):
    """What contribution totals are kept by."""

    branch: str
    payer_type: str
    campaign_id: str


@dataclass
class Ledger:
    """Contribution totals: how many, and how many rupiah, per key."""

    count: Counter[LedgerKey] = field(default_factory=Counter)
    amount: Counter[LedgerKey] = field(default_factory=Counter)

    def add(self, key: LedgerKey, *, count: int, amount: int) -> None:
        """Add ``count`` contributions worth ``amount`` rupiah under ``key``."""
        self.count[key] += count
        self.amount[key] += amount

    def by_branch_payer(self) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]]]:
        """Counts and amounts per (branch, payer type)."""
        count: Counter[tuple[str, str]] = Counter()
        amount: Counter[tuple[str, str]] = Counter()
        for key, n in self.count.items():
            count[(key.branch, key.payer_type)] += n
            amount[(key.branch, key.payer_type)] += self.amount[key]
        return count, amount

    def by_campaign(self) -> tuple[Counter[str], Counter[str]]:
        """Counts and amounts per campaign ("" is no campaign and is left out)."""
        count: Counter[str] = Counter()
        amount: Counter[str] = Counter()
        for key, n in self.count.items():
            if key.campaign_id:
                count[key.campaign_id] += n
                amount[key.campaign_id] += self.amount[key]
        return count, amount


@dataclass
class Receipts:
    """New contributions of one batch, as the count tables take them: totals and per branch and day."""

    totals: Ledger = field(default_factory=Ledger)
    days: Counter[tuple[str, date]] = field(default_factory=Counter)
    day_amounts: Counter[tuple[str, date]] = field(default_factory=Counter)

    def record(self, c: Contribution) -> None:
        """Count one new contribution."""
        self.totals.add(LedgerKey(c.branch, c.payer_type, c.campaign_id), count=1, amount=c.amount)
        self.days[(c.branch, c.paid_on)] += 1
        self.day_amounts[(c.branch, c.paid_on)] += c.amount
