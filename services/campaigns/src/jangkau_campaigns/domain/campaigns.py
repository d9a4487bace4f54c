"""A campaign and its lifecycle: planned -> held -> closed, or planned -> cancelled."""

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Literal, Self
from uuid import UUID

from jangkau_campaigns.domain.errors import InvalidField, InvalidTransition
from jangkau_shared.events import CampaignClosedV1, CampaignHeldV1, CampaignKind, CampaignPlannedV1


class CampaignStatus(StrEnum):
    """Where a campaign is in its life."""

    PLANNED = "planned"
    HELD = "held"
    CLOSED = "closed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class PlanCampaign:
    """Command: a branch plans an outreach campaign (the id may be chosen by an offline client)."""

    branch: str
    name: str
    kind: CampaignKind
    village_codes: tuple[str, ...]
    place: str
    starts_on: date
    ends_on: date
    partners: tuple[str, ...]
    target_registrations: int
    target_first_payments: int
    campaign_id: UUID | None = None


@dataclass(frozen=True)
class HoldCampaign:
    """Command: record that a planned campaign took place."""

    held_from: date
    held_to: date
    headcount: int
    notes: str = ""


@dataclass(frozen=True)
class Campaign:
    """An outreach activity of one branch; changes of status return the event to publish."""

    campaign_id: UUID
    branch: str
    name: str
    kind: CampaignKind
    village_codes: tuple[str, ...]
    place: str
    starts_on: date
    ends_on: date
    partners: tuple[str, ...]
    target_registrations: int
    target_first_payments: int
    status: CampaignStatus
    planned_at: datetime
    held_from: date | None = None
    held_to: date | None = None
    headcount: int | None = None
    notes: str | None = None
    held_at: datetime | None = None
    closed_at: datetime | None = None

    @classmethod
    def plan(cls, cmd: PlanCampaign, *, campaign_id: UUID, now: datetime) -> Self:
        """Create a planned campaign; an end before its start or no village is invalid."""
        _check_period("ends_on", cmd.starts_on, cmd.ends_on)
        if not cmd.village_codes:
            raise InvalidField("village_codes", [], "a campaign reaches at least one village")
        fields = {k: v for k, v in vars(cmd).items() if k != "campaign_id"}
        return cls(campaign_id=campaign_id, status=CampaignStatus.PLANNED, planned_at=now, **fields)

    @property
    def ended_on(self) -> date:
        """Last day of the campaign: the actual one once held, the planned one before."""
        return self.held_to or self.ends_on

    def hold(self, cmd: HoldCampaign, *, now: datetime) -> tuple[Self, CampaignHeldV1]:
        """Record the campaign as held; only a planned campaign, in the past, can be."""
        self._require(CampaignStatus.PLANNED, "hold", _HOLD_REASONS)
        _check_period("held_to", cmd.held_from, cmd.held_to)
        if cmd.held_to > now.date():
            raise InvalidField("held_to", cmd.held_to.isoformat(), f"is after today ({now.date()})")
        held = replace(
            self,
            status=CampaignStatus.HELD,
            held_from=cmd.held_from,
            held_to=cmd.held_to,
            headcount=cmd.headcount,
            notes=cmd.notes,
            held_at=now,
        )
        event = CampaignHeldV1(
            campaign_id=self.campaign_id,
            branch=self.branch,
            held_from=cmd.held_from,
            held_to=cmd.held_to,
            headcount=cmd.headcount,
            held_at=now,
        )
        return held, event

    def close(self, *, now: datetime) -> tuple[Self, CampaignClosedV1]:
        """Close a held campaign: its results are final, attribution still goes on."""
        self._require(CampaignStatus.HELD, "close", _CLOSE_REASONS)
        return replace(self, status=CampaignStatus.CLOSED, closed_at=now), self._closed("closed", now)

    def cancel(self, *, now: datetime) -> tuple[Self, CampaignClosedV1]:
        """Cancel a campaign that has not taken place."""
        self._require(CampaignStatus.PLANNED, "cancel", _CANCEL_REASONS)
        return replace(self, status=CampaignStatus.CANCELLED, closed_at=now), self._closed("cancelled", now)

    def planned_event(self) -> CampaignPlannedV1:
        """Return the event announcing the plan."""
        return CampaignPlannedV1(
            campaign_id=self.campaign_id,
            branch=self.branch,
            name=self.name,
            kind=self.kind,
            village_codes=list(self.village_codes),
            place=self.place,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            partners=list(self.partners),
            target_registrations=self.target_registrations,
            target_first_payments=self.target_first_payments,
            planned_at=self.planned_at,
        )

    def _closed(self, outcome: Literal["closed", "cancelled"], now: datetime) -> CampaignClosedV1:
        return CampaignClosedV1(
            campaign_id=self.campaign_id, branch=self.branch, outcome=outcome, closed_at=now
        )

    def _require(self, wanted: CampaignStatus, action: str, reasons: dict[CampaignStatus, str]) -> None:
        if self.status != wanted:
            raise InvalidTransition(self.campaign_id, self.status.value, action, reasons[self.status])


def _check_period(field: str, first: date, last: date) -> None:
    if last < first:
        raise InvalidField(field, last.isoformat(), f"ends before it starts ({first.isoformat()})")


_HOLD_REASONS = {
    CampaignStatus.HELD: "it is already recorded as held",
    CampaignStatus.CLOSED: "it is closed",
    CampaignStatus.CANCELLED: "a cancelled campaign cannot be held; plan a new one",
}
_CLOSE_REASONS = {
    CampaignStatus.PLANNED: "only a held campaign can be closed; record it as held first, or cancel it",
    CampaignStatus.CLOSED: "it is already closed",
    CampaignStatus.CANCELLED: "it was cancelled",
}
_CANCEL_REASONS = {
    CampaignStatus.HELD: "it has already taken place; close it instead",
    CampaignStatus.CLOSED: "it is closed",
    CampaignStatus.CANCELLED: "it is already cancelled",
}
