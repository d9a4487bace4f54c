"""HTTP contracts of the registration API (request and response bodies)."""

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from jangkau_shared.events import Channel, Programme, Segment


class RegistrationIn(BaseModel):
    """One worker to register, as a field tool sends it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    client_id: UUID = Field(description="Id the field tool generated for this item; replays are safe.")
    nik: str = Field(min_length=1, max_length=32, description="16-digit NIK. Stored encrypted.")
    name: str = Field(min_length=1, max_length=200, description="Full name. Stored encrypted.")
    branch: str = Field(min_length=2, max_length=40, description="Branch office code, e.g. denpasar.")
    village_code: str = Field(description="Kemendagri village code, e.g. 51.71.01.1006.")
    segment: Segment = Field(description="Kind of informal work.")
    programmes: list[Programme] = Field(description="JKK and JKM required; JHT optional.")
    income_bracket: int = Field(description="Declared monthly income bracket in rupiah.")
    channel: Channel = Field(description="Channel through which the registration was taken.")
    registered_on: date = Field(description="Day of registration in the field.")
    campaign_id: UUID | None = Field(default=None, description="Campaign that brought this worker.")


class RegistrationOut(BaseModel):
    """Outcome of one registration."""

    status: Literal["created", "already_registered"]
    participant_id: UUID
