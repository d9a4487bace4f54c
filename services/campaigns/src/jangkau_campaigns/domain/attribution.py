"""What the campaigns service keeps of registrations and payments to score campaigns."""

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from jangkau_campaigns.domain.months import Month


@dataclass(frozen=True)
class Registration:
    """A participant registered through a campaign (no personal data)."""

    participant_id: UUID
    campaign_id: UUID | None
    branch: str
    village_code: str
    segment: str
    registered_on: date


@dataclass(frozen=True)
class Payment:
    """A contribution: the months it covers, who paid, and the campaign it is credited to."""

    contribution_id: UUID
    participant_id: UUID
    campaign_id: UUID | None
    first_month: Month
    months: int
    paid_through: Month
    amount: int
    payer_type: str
    paid_on: date

    def __post_init__(self) -> None:
        if self.paid_through < self.first_month + (self.months - 1):
            raise ValueError(
                f"contribution {self.contribution_id}: paid_through {self.paid_through} is before the "
                f"last month it covers ({self.first_month + (self.months - 1)})"
            )


Fact = Registration | Payment


def entity_key(fact: Fact) -> str:
    """Return the id that makes applying a fact idempotent."""
    if isinstance(fact, Registration):
        return f"registration:{fact.participant_id}"
    return f"payment:{fact.contribution_id}"


def paid_through_on(payments: list[Payment], day: date) -> Month | None:
    """Return the month a participant was paid through on ``day``, from payments received by then."""
    months = [p.paid_through for p in payments if p.paid_on <= day]
    return max(months, default=None)
