"""Base class of event payloads and the description of one event type."""

import builtins
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

#: A month as ``YYYY-MM``: contribution periods are whole months.
Month = Annotated[
    str,
    StringConstraints(pattern=r"^(19|20)\d\d-(0[1-9]|1[0-2])$"),
    Field(examples=["2017-08"]),
]
#: Pattern of a branch office code, for query and path parameters too.
BRANCH_PATTERN = r"^[a-z0-9][a-z0-9-]{1,39}$"
#: A branch office code (a slug such as ``denpasar``), never personal data.
BranchCode = Annotated[
    str,
    StringConstraints(pattern=BRANCH_PATTERN),
    Field(examples=["denpasar"]),
]
#: A Kemendagri village (desa/kelurahan) code in dotted form.
VillageCode = Annotated[
    str,
    StringConstraints(pattern=r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$"),
    Field(examples=["51.71.01.1006"]),
]


class EventData(BaseModel):
    """Payload of a published event: immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


@dataclass(frozen=True)
class EventSpec:
    """One event type of the contract: its CloudEvents type, topic and payload model."""

    type: str
    topic: str
    model: builtins.type[EventData]
    key_field: str
    description: str
