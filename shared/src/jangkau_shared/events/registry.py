"""The set of event types: CloudEvents type <-> topic <-> payload model."""

from typing import Final

from jangkau_shared import topics
from jangkau_shared.events.base import EventData, EventSpec
from jangkau_shared.events.campaigns import CampaignClosedV1, CampaignHeldV1, CampaignPlannedV1
from jangkau_shared.events.participants import ContributionPaidV1, WorkerRegisteredV1

_PREFIX: Final = "id.jangkau.bpu"

EVENT_SPECS: Final[tuple[EventSpec, ...]] = (
    EventSpec(
        f"{_PREFIX}.worker.registered.v1",
        topics.WORKER_REGISTERED,
        WorkerRegisteredV1,
        "participant_id",
        "A BPU worker was enrolled as a participant.",
    ),
    EventSpec(
        f"{_PREFIX}.contribution.paid.v1",
        topics.CONTRIBUTION_PAID,
        ContributionPaidV1,
        "participant_id",
        "A contribution was received for one or more months.",
    ),
    EventSpec(
        f"{_PREFIX}.campaign.planned.v1",
        topics.CAMPAIGN_PLANNED,
        CampaignPlannedV1,
        "campaign_id",
        "A branch planned an outreach campaign.",
    ),
    EventSpec(
        f"{_PREFIX}.campaign.held.v1",
        topics.CAMPAIGN_HELD,
        CampaignHeldV1,
        "campaign_id",
        "A planned campaign took place.",
    ),
    EventSpec(
        f"{_PREFIX}.campaign.closed.v1",
        topics.CAMPAIGN_CLOSED,
        CampaignClosedV1,
        "campaign_id",
        "A campaign was closed after being held, or cancelled.",
    ),
)

_BY_TYPE: Final = {spec.type: spec for spec in EVENT_SPECS}
_BY_MODEL: Final = {spec.model: spec for spec in EVENT_SPECS}


def spec_for_type(ce_type: str) -> EventSpec | None:
    """Return the spec of a CloudEvents type, or None when the type is unknown."""
    return _BY_TYPE.get(ce_type)


def spec_for_model(model: type[EventData]) -> EventSpec:
    """Return the spec of a payload model; a model outside the contract is a bug."""
    return _BY_MODEL[model]
