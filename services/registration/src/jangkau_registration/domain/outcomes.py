"""What the registry answered to an item: stored so that a replay gets the same answer."""

from dataclasses import dataclass, replace
from enum import StrEnum
from uuid import UUID

from jangkau_registration.domain.months import Month


class Outcome(StrEnum):
    """The kinds of answer that are remembered per client id."""

    CREATED = "created"
    ALREADY_REGISTERED = "already_registered"
    RECORDED = "recorded"


@dataclass(frozen=True)
class Answer:
    """The answer to one item; ``replayed`` is True when it repeats an earlier one."""

    outcome: Outcome
    participant_id: UUID
    paid_through: Month | None = None
    reactivated: bool = False
    replayed: bool = False

    def as_replay(self) -> "Answer":
        """Return the same answer marked as a replay."""
        return replace(self, replayed=True)


@dataclass(frozen=True)
class StoredAnswer:
    """An answer remembered under the client id of the item and the fingerprint of its content."""

    client_id: UUID
    kind: str
    fingerprint: bytes
    answer: Answer
