"""Campaigns as the metrics service knows them: plan, what happened, where they stand."""

from dataclasses import dataclass
from datetime import date
from typing import Final

#: A campaign only moves forward: planned < held < closed or cancelled.
STATUS_RANK: Final = {"planned": 1, "held": 2, "closed": 3, "cancelled": 3}


@dataclass(frozen=True)
class Campaign:
    """One outreach campaign; fields unknown yet (an event not seen) are None."""

    campaign_id: str
    branch: str
    status: str
    name: str | None = None
    kind: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    target_registrations: int | None = None
    target_first_payments: int | None = None
    held_from: date | None = None
    held_to: date | None = None
    headcount: int | None = None

    def cell_by_cell(self) -> dict[str, str]:
        """Every field under a readable name, to compare two stores exactly."""
        return {f"campaign {self.campaign_id} {k}": str(v) for k, v in vars(self).items()}


def merged(older: Campaign, newer: Campaign) -> Campaign:
    """What two facts about one campaign say together: newer known fields win, status never goes back."""
    fields = {k: v if v is not None else getattr(older, k) for k, v in vars(newer).items()}
    if STATUS_RANK[older.status] > STATUS_RANK[newer.status]:
        fields["status"] = older.status
    return Campaign(**fields)
