"""Campaign events: an outreach activity planned, held, closed or cancelled."""

from datetime import date, datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import Field

from jangkau_shared.events.base import BranchCode, EventData, VillageCode


class CampaignKind(StrEnum):
    """Kind of outreach activity."""

    FESTIVAL_BOOTH = "festival_booth"
    VILLAGE_LAUNCH = "village_launch"
    MARKET_DAY = "market_day"
    DOOR_TO_DOOR = "door_to_door"
    ASSOCIATION_DRIVE = "association_drive"
    VILLAGE_FUND_ENROLMENT = "village_fund_enrolment"


class CampaignPlannedV1(EventData):
    """A branch planned an outreach campaign."""

    campaign_id: UUID = Field(description="Campaign id.")
    branch: BranchCode = Field(description="Branch office running the campaign.")
    name: str = Field(min_length=1, max_length=200, description="Public name of the campaign.")
    kind: CampaignKind = Field(description="Kind of outreach activity.")
    village_codes: list[VillageCode] = Field(description="Villages the campaign reaches.")
    place: str = Field(max_length=200, description="Where it takes place (a field, a market, a hall).")
    starts_on: date = Field(description="Planned first day.")
    ends_on: date = Field(description="Planned last day (inclusive).")
    partners: list[str] = Field(description="Partner organisations or roles (e.g. village head, Babinsa).")
    target_registrations: int = Field(ge=0, description="Target number of new participants.")
    target_first_payments: int = Field(ge=0, description="Target number of first contributions.")
    planned_at: datetime = Field(description="When the plan was recorded (UTC).")


class CampaignHeldV1(EventData):
    """A planned campaign took place."""

    campaign_id: UUID = Field(description="Campaign id.")
    branch: BranchCode = Field(description="Branch office running the campaign.")
    held_from: date = Field(description="Actual first day.")
    held_to: date = Field(description="Actual last day (inclusive).")
    headcount: int = Field(ge=0, description="People reached, as counted by the team.")
    held_at: datetime = Field(description="When the team recorded it as held (UTC).")


class CampaignClosedV1(EventData):
    """A campaign ended its life: closed after it was held, or cancelled before."""

    campaign_id: UUID = Field(description="Campaign id.")
    branch: BranchCode = Field(description="Branch office running the campaign.")
    outcome: Literal["closed", "cancelled"] = Field(description="Closed after being held, or cancelled.")
    closed_at: datetime = Field(description="When it was closed or cancelled (UTC).")
