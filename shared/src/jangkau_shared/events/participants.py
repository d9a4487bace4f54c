"""Participant events: a BPU worker registered, a contribution paid."""

from datetime import date, datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import Field

from jangkau_shared.events.base import BranchCode, EventData, Month, VillageCode


class Segment(StrEnum):
    """Kind of informal work the participant does."""

    FARMER = "farmer"
    FISHER = "fisher"
    TRADER = "trader"
    STREET_VENDOR = "street_vendor"
    HOME_INDUSTRY = "home_industry"
    DOMESTIC_WORKER = "domestic_worker"
    DRIVER = "driver"
    ARTIST = "artist"
    CONSTRUCTION = "construction"
    OTHER = "other"


class Programme(StrEnum):
    """Insurance programme: JKK (work accident), JKM (death), JHT (old-age savings)."""

    JKK = "JKK"
    JKM = "JKM"
    JHT = "JHT"


class Channel(StrEnum):
    """Where or through whom a registration or payment was taken."""

    BOOTH = "booth"
    DOOR_TO_DOOR = "door_to_door"
    VILLAGE_OFFICE = "village_office"
    MARKET = "market"
    ASSOCIATION = "association"
    COMMUNITY_AGENT = "community_agent"
    SELF_SERVICE_APP = "self_service_app"


class PayerType(StrEnum):
    """Who paid a contribution."""

    SELF = "self"
    FAMILY = "family"
    VILLAGE_FUND = "village_fund"
    REGIONAL_BUDGET = "regional_budget"
    NATIONAL_BUDGET = "national_budget"
    SPONSOR = "sponsor"


class WorkerRegisteredV1(EventData):
    """A BPU worker was enrolled as a participant. Carries no personal data."""

    participant_id: UUID = Field(description="Random participant id; not derived from the NIK.")
    branch: BranchCode = Field(description="Branch office (kantor cabang) that owns the participant.")
    village_code: VillageCode = Field(description="Kemendagri code of the worker's desa/kelurahan.")
    segment: Segment = Field(description="Kind of informal work.")
    programmes: list[Programme] = Field(
        min_length=2, max_length=3, description="Programmes enrolled in: JKK and JKM always, JHT optional."
    )
    income_bracket: int = Field(
        gt=0, description="Declared monthly income bracket in rupiah; contributions are rated on it."
    )
    channel: Channel = Field(description="Channel through which the registration was taken.")
    campaign_id: UUID | None = Field(
        default=None, description="Campaign that brought the registration, if any."
    )
    registered_on: date = Field(description="Day the worker was registered in the field.")
    registered_at: datetime = Field(description="When the registry accepted the registration (UTC).")


class ContributionPaidV1(EventData):
    """Money was received for one or more consecutive months of a participant's programmes."""

    contribution_id: UUID = Field(description="Client-generated id of the payment.")
    participant_id: UUID = Field(description="Participant the payment is for.")
    branch: BranchCode = Field(description="Branch office that owns the participant.")
    village_code: VillageCode = Field(description="Kemendagri code of the participant's village.")
    segment: Segment = Field(description="Kind of informal work of the participant.")
    first_month: Month = Field(description="First month covered, YYYY-MM.")
    months: Literal[1, 3, 6, 12] = Field(description="Number of consecutive months covered.")
    paid_through: Month = Field(description="Last month the participant is paid through after this payment.")
    amount: int = Field(gt=0, description="Amount received in rupiah; equals the rates in force.")
    programmes: list[Programme] = Field(min_length=2, max_length=3, description="Programmes paid for.")
    payer_type: PayerType = Field(description="Who paid.")
    channel: Channel = Field(description="Channel through which the payment was taken.")
    campaign_id: UUID | None = Field(default=None, description="Campaign the payment is attributed to.")
    reactivated: bool = Field(
        default=False, description="True when the participant had lapsed and this payment reactivates them."
    )
    paid_on: date = Field(description="Day the money was received in the field.")
    paid_at: datetime = Field(description="When the registry accepted the payment (UTC).")
