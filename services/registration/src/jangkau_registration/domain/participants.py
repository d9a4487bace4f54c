"""Participants: enrolment of a BPU worker and the rules a registration must meet."""

import json
import re
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from jangkau_registration.domain.errors import InvalidField
from jangkau_registration.domain.months import Month
from jangkau_registration.domain.nik import Nik, masked
from jangkau_shared.events import Channel, Programme, Segment, WorkerRegisteredV1

REQUIRED_PROGRAMMES = frozenset({Programme.JKK, Programme.JKM})
_NAME = re.compile(r"^[^\W\d_]+(?:[ .'\-,]+[^\W\d_]+)*\.?$")
HIDDEN = "<hidden>"

Sex = Literal["F", "M"]


@dataclass(frozen=True)
class RegisterWorker:
    """Command: enrol one worker (a field team's item, identified by its client id)."""

    client_id: UUID
    nik: Nik
    name: str = field(repr=False)  # personal data: kept out of logs and tracebacks
    village_code: str
    segment: Segment
    programmes: frozenset[Programme]
    income_bracket: int
    channel: Channel
    registered_on: date
    branch: str | None = None
    campaign_id: UUID | None = None
    birth_date: date | None = field(default=None, repr=False)
    sex: Sex | None = None

    def canonical(self) -> bytes:
        """Return the content as canonical bytes: replays compare their fingerprints.

        The bytes are those of ``json.dumps(dataclasses.asdict(self), sort_keys=True)`` (stored
        fingerprints depend on them), built without asdict's deep copies, which cost more than
        the rest of an item's checks.
        """
        content: dict[str, object] = {f.name: getattr(self, f.name) for f in fields(self)}
        content["nik"] = {"value": self.nik.value}
        return json.dumps(content, sort_keys=True, default=_plain).encode()


def _plain(value: object) -> object:
    return sorted(value) if isinstance(value, frozenset) else str(value)


def check_name(name: str) -> None:
    """Accept letters with spaces, dots, apostrophes, hyphens and commas between them."""
    if not 2 <= len(name) <= 100:
        raise InvalidField("name", HIDDEN, "must be 2 to 100 characters long")
    if not _NAME.match(name):
        raise InvalidField("name", HIDDEN, "may hold only letters, spaces and . ' - , between words")


def check_identity(cmd: RegisterWorker, *, today: date) -> None:
    """Birth date and sex, when given, must match what the NIK codes."""
    coded = cmd.nik.birth_date(today=today)
    given = cmd.birth_date
    if given is not None and (given.day, given.month, given.year % 100) != (
        coded.day,
        coded.month,
        coded.year % 100,
    ):
        raise InvalidField("birth_date", HIDDEN, f"does not match the birth date coded in NIK {cmd.nik}")
    if cmd.sex is not None and cmd.sex != cmd.nik.sex():
        raise InvalidField("sex", cmd.sex, f"does not match the sex coded in NIK {masked(cmd.nik.value)}")


def check_field_date(field: str, value: date, *, today: date, earliest: date) -> None:
    """A field date is neither after ``today`` nor before the programme existed."""
    if value > today:
        raise InvalidField(field, value.isoformat(), f"is in the future (today is {today.isoformat()})")
    if value < earliest:
        raise InvalidField(
            field, value.isoformat(), f"is before the programme began ({earliest.isoformat()})"
        )


def check_registration(
    cmd: RegisterWorker, *, today: date, earliest: date, brackets: tuple[int, ...]
) -> None:
    """Apply the rules of a registration that need no lookup; raise the first broken one."""
    check_name(cmd.name)
    check_identity(cmd, today=today)
    if not cmd.programmes >= REQUIRED_PROGRAMMES:
        raise InvalidField("programmes", sorted(cmd.programmes), "JKK and JKM are required; JHT is optional")
    if cmd.income_bracket not in brackets:
        raise InvalidField(
            "income_bracket",
            cmd.income_bracket,
            f"must be one of the brackets {', '.join(map(str, brackets))}",
        )
    check_field_date("registered_on", cmd.registered_on, today=today, earliest=earliest)


@dataclass(frozen=True)
class Participant:
    """A registered BPU participant; the NIK and name never leave this service."""

    participant_id: UUID
    nik: Nik
    name: str = field(repr=False)
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
    def enrol(cls, cmd: RegisterWorker, *, participant_id: UUID, branch: str, now: datetime) -> "Participant":
        """Create a participant from a checked command and the branch serving its village."""
        return cls(
            participant_id=participant_id,
            nik=cmd.nik,
            name=cmd.name,
            branch=branch,
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


@dataclass(frozen=True)
class ParticipantRecord:
    """What the registry tells about a participant: no personal data."""

    participant_id: UUID
    branch: str
    village_code: str
    segment: Segment
    programmes: frozenset[Programme]
    income_bracket: int
    channel: Channel
    registered_on: date
    paid_through: Month | None
    campaign_id: UUID | None = None
