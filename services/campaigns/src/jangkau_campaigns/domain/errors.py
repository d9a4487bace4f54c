"""Domain errors: each names the offending field or campaign and says why."""

from collections.abc import Sequence
from uuid import UUID


class InvalidField(ValueError):
    """A value that breaks a rule of the domain (answered as 422)."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.value, self.reason = field, value, reason


class InvalidFields(ValueError):
    """Several values that break rules, each named with its field and value (answered as one 422)."""

    def __init__(self, errors: Sequence[InvalidField]) -> None:
        super().__init__("; ".join(f"{e.field} ({e.value}): {e.reason}" for e in errors))
        self.errors = tuple(errors)


class InvalidTransition(Exception):
    """A lifecycle step that the campaign's status does not allow (answered as 409)."""

    def __init__(self, campaign_id: UUID, status: str, action: str, reason: str) -> None:
        super().__init__(f"campaign {campaign_id} is {status}: cannot {action}; {reason}")
        self.campaign_id, self.status, self.action, self.reason = campaign_id, status, action, reason


class CampaignNotFound(LookupError):
    """No campaign with this id is visible to the caller (answered as 404)."""

    def __init__(self, campaign_id: UUID) -> None:
        super().__init__(f"campaign {campaign_id} not found")
        self.campaign_id = campaign_id


class CampaignExists(Exception):
    """A plan reused the id of an existing campaign (answered as 409)."""

    def __init__(self, campaign_id: UUID) -> None:
        super().__init__(f"campaign {campaign_id} already exists")
        self.campaign_id = campaign_id


class OutOfScope(PermissionError):
    """The caller may not act for this branch (answered as 403 on writes)."""

    def __init__(self, branch: str) -> None:
        super().__init__(f"branch: this token may not act for branch {branch!r}")
        self.branch = branch
