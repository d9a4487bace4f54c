"""Domain errors: each names the field and the offending value (never a NIK in clear)."""

from uuid import UUID


class DomainError(Exception):
    """Base of the errors a caller can correct."""


class InvalidField(DomainError):
    """A field of a command has a value the rules do not accept."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        super().__init__(f"{field}: {reason} (got {value!r})")
        self.field, self.value, self.reason = field, value, reason


class AmountMismatch(InvalidField):
    """A contribution's amount differs from the rates in force for the months it covers."""

    def __init__(self, *, expected: int, given: int) -> None:
        super().__init__(
            "amount", given, f"must be {expected}, the sum of the rates in force (given {given})"
        )
        self.expected, self.given = expected, given


class OutOfScope(DomainError):
    """The caller may not act for the branch the item belongs to."""

    def __init__(self, branch: str) -> None:
        super().__init__(f"branch: this token may not act for branch {branch!r}")
        self.branch = branch


class ParticipantNotFound(DomainError):
    """No participant with that id is visible to the caller."""

    def __init__(self, participant_id: UUID) -> None:
        super().__init__(f"participant_id: no participant {participant_id} for this token's branches")
        self.participant_id = participant_id


class ClientIdConflict(DomainError):
    """A client id was used before for an item with different content."""

    def __init__(self, client_id: UUID) -> None:
        super().__init__(f"client_id: {client_id} was already used for a different item")
        self.client_id = client_id
