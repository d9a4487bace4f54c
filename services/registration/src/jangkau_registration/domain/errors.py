"""Domain errors: each names the field and the offending value (never a NIK in clear)."""


class DomainError(Exception):
    """Base of the errors a caller can correct."""


class InvalidField(DomainError):
    """A field of a command has a value the rules do not accept."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        super().__init__(f"{field}: {reason} (got {value!r})")
        self.field, self.value, self.reason = field, value, reason
