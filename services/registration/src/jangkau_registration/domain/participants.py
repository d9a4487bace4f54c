"""Participants: enrolment of a BPU worker."""

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from jangkau_registration.domain.errors import InvalidField
from jangkau_registration.domain.nik import Nik
from jangkau_shared.events import Channel, Programme, Segment, WorkerRegisteredV1

REQUIRED_PROGRAMMES = frozenset({Programme.JKK, Programme.JKM})


@dataclass(frozen=True)
class RegisterWorker:
    """Command: enrol one worker (a field team's item, identified by its client id)."""

    client_id: UUID
    nik: Nik
    name: str
    branch: str
    village_code: str
    segment: Segment
    programmes: frozenset[Programme]
    income_bracket: int
    channel: Channel
    registered_on: date
    campaign_id: UUID | None = None


@dataclass(frozen=True)
class Participant:
    """A registered BPU participant; the NIK and name never leave this service."""

    participant_id: UUID
    nik: Nik
    name: str
    branch: str
    village_code: str
    segment: Segment
    programmes: frozenset[Programme]
    income_bracket: int
    channel: Channel
    registered_on: date
    registered_at: datetime
    campaign_id: UUID | None = None

    @classmethod
    def enrol(cls, cmd: RegisterWorker, *, participant_id: UUID, now: datetime) -> "Participant":
        """Create a participant from a valid command."""
        if not cmd.programmes >= REQUIRED_PROGRAMMES:
            raise InvalidField("programmes", sorted(cmd.programmes), "JKK and JKM are required")
        if cmd.registered_on > now.date():
            raise InvalidField("registered_on", cmd.registered_on.isoformat(), "is in the future")
        return cls(
            participant_id=participant_id,
            nik=cmd.nik,
            name=cmd.name,
            branch=cmd.branch,
            village_code=cmd.village_code,
            segment=cmd.segment,
            programmes=cmd.programmes,
            income_bracket=cmd.income_bracket,
            channel=cmd.channel,
            registered_on=cmd.registered_on,
            registered_at=now,
            campaign_id=cmd.campaign_id,
        )

    def registered_event(self) -> WorkerRegisteredV1:
        """Return the public fact of this enrolment, without personal data."""
        return WorkerRegisteredV1(
            participant_id=self.participant_id,
            branch=self.branch,
            village_code=self.village_code,
            segment=self.segment,
            programmes=sorted(self.programmes),
            income_bracket=self.income_bracket,
            channel=self.channel,
            campaign_id=self.campaign_id,
            registered_on=self.registered_on,
            registered_at=self.registered_at,
        )
