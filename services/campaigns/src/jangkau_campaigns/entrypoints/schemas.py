"""The HTTP contract of the campaigns API: request and response bodies, fully described."""

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from jangkau_campaigns.domain.campaigns import Campaign, CampaignStatus
from jangkau_campaigns.domain.scorecard import Retention, Scorecard, Standing
from jangkau_shared.events import CampaignKind
from jangkau_shared.events.base import BranchCode, VillageCode
from jangkau_shared.text import Line, Text

Partner = Annotated[Line, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]


class CampaignIn(BaseModel):
    """A campaign to plan."""

    model_config = ConfigDict(extra="forbid")

    campaign_id: UUID | None = Field(
        default=None, description="Id chosen by an offline client; the service assigns one when absent."
    )
    branch: BranchCode = Field(description="Branch office running the campaign.")
    name: Line = Field(min_length=1, max_length=200, description="Public name of the campaign.")
    kind: CampaignKind = Field(description="Kind of outreach activity.")
    village_codes: list[VillageCode] = Field(
        min_length=1, max_length=500, description="Kemendagri codes of the villages the campaign reaches."
    )
    place: Line = Field(max_length=200, description="Where it takes place (a field, a market, a hall).")
    starts_on: date = Field(description="Planned first day.")
    ends_on: date = Field(description="Planned last day (inclusive); not before starts_on.")
    partners: list[Partner] = Field(default_factory=list, max_length=50, description="Partners or roles.")
    target_registrations: int = Field(ge=0, le=10_000_000, description="Target number of new participants.")
    target_first_payments: int = Field(ge=0, le=10_000_000, description="Target number of first payments.")


class HeldIn(BaseModel):
    """What happened when the campaign took place."""

    model_config = ConfigDict(extra="forbid")

    held_from: date = Field(description="Actual first day.")
    held_to: date = Field(description="Actual last day (inclusive); not before held_from, not after today.")
    headcount: int = Field(ge=0, le=10_000_000, description="People reached, as counted by the team.")
    notes: Text = Field(default="", max_length=2000, description="Free notes of the team (no personal data).")


class CampaignOut(BaseModel):
    """A campaign as stored."""

    campaign_id: UUID
    branch: str
    name: str
    kind: CampaignKind
    status: CampaignStatus = Field(description="planned, held, closed or cancelled.")
    village_codes: list[str]
    place: str
    starts_on: date
    ends_on: date
    partners: list[str]
    target_registrations: int
    target_first_payments: int
    planned_at: datetime
    held_from: date | None = None
    held_to: date | None = None
    headcount: int | None = None
    notes: str | None = None
    held_at: datetime | None = None
    closed_at: datetime | None = None

    @classmethod
    def of(cls, campaign: Campaign) -> "CampaignOut":
        """Describe a domain campaign."""
        values = dict(vars(campaign))
        values |= {"village_codes": list(campaign.village_codes), "partners": list(campaign.partners)}
        return cls(**values)


class CampaignPage(BaseModel):
    """One page of campaigns, newest first."""

    items: list[CampaignOut]
    total: int = Field(description="Matches across all pages.")
    limit: int
    offset: int


class RetentionOut(BaseModel):
    """Participants still active some days after the campaign's last day."""

    days_after_end: int
    day: date = Field(description="Day measured: last day of the campaign plus days_after_end.")
    measured: bool = Field(description="False until that day is reached (as_of before it).")
    base: int = Field(description="Participants registered through the campaign by that day.")
    active: int = Field(description="Of those, paid up on that day (see docs/campaigns.md).")
    share: float | None = Field(description="active / base; null when not measured or base is 0.")

    @classmethod
    def of(cls, r: Retention) -> "RetentionOut":
        """Describe a retention figure."""
        return cls(
            days_after_end=r.days_after_end,
            day=r.day,
            measured=r.measured,
            base=r.base,
            active=r.active,
            share=r.share,
        )


class PayerOut(BaseModel):
    """Contributions of one payer type."""

    payments: int
    amount: int = Field(description="Rupiah.")


class ScorecardOut(BaseModel):
    """What a campaign brought, as known on as_of."""

    campaign_id: UUID
    as_of: date
    registrations: int = Field(description="Participants registered through the campaign by as_of.")
    target_registrations: int
    attainment: float | None = Field(description="registrations / target_registrations.")
    by_village: dict[str, int] = Field(description="Registrations per village code.")
    by_segment: dict[str, int] = Field(description="Registrations per segment.")
    paid_once: int = Field(description="Registered participants who paid at least once by as_of.")
    target_first_payments: int
    paid_once_share: float | None = Field(description="paid_once / registrations.")
    retention: list[RetentionOut] = Field(description="Active shares 30 and 90 days after the end.")
    contributions: int = Field(description="Payments credited to the campaign by as_of.")
    amount: int = Field(description="Rupiah received in those payments.")
    by_payer: dict[str, PayerOut] = Field(description="Credited payments per payer type.")

    @classmethod
    def of(cls, card: Scorecard) -> "ScorecardOut":
        """Describe a scorecard."""
        return cls(
            campaign_id=card.campaign_id,
            as_of=card.as_of,
            registrations=card.registrations,
            target_registrations=card.target_registrations,
            attainment=card.attainment,
            by_village=card.by_village,
            by_segment=card.by_segment,
            paid_once=card.paid_once,
            target_first_payments=card.target_first_payments,
            paid_once_share=card.paid_once_share,
            retention=[RetentionOut.of(r) for r in card.retention],
            contributions=card.contributions,
            amount=card.amount,
            by_payer={k: PayerOut(payments=v.payments, amount=v.amount) for k, v in card.by_payer.items()},
        )


class StandingOut(BaseModel):
    """One row of a branch leaderboard."""

    rank: int
    campaign_id: UUID
    name: str
    kind: CampaignKind
    ended_on: date
    registrations: int
    attainment: float | None
    paid_once_share: float | None
    active_30_share: float | None
    active_90_share: float | None
    amount: int

    @classmethod
    def of(cls, s: Standing) -> "StandingOut":
        """Describe a standing."""
        card = s.scorecard
        return cls(
            rank=s.rank,
            campaign_id=s.campaign.campaign_id,
            name=s.campaign.name,
            kind=s.campaign.kind,
            ended_on=s.campaign.ended_on,
            registrations=card.registrations,
            attainment=card.attainment,
            paid_once_share=card.paid_once_share,
            active_30_share=card.retention_after(30).share,
            active_90_share=card.retention_after(90).share,
            amount=card.amount,
        )


class LeaderboardOut(BaseModel):
    """A branch's campaigns that took place, best first."""

    branch: str
    as_of: date
    standings: list[StandingOut]


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[dict[str, object]] | None = Field(default=None, description="{field, value, reason} items.")
