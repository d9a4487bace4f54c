"""Version 1 event models of the public contract, with their CloudEvents types and topics."""

from jangkau_shared.events.base import EventData, EventSpec
from jangkau_shared.events.campaigns import (
    CampaignClosedV1,
    CampaignHeldV1,
    CampaignKind,
    CampaignPlannedV1,
)
from jangkau_shared.events.participants import (
    Channel,
    ContributionPaidV1,
    PayerType,
    Programme,
    Segment,
    WorkerRegisteredV1,
)
from jangkau_shared.events.registry import EVENT_SPECS, spec_for_model, spec_for_type

__all__ = [
    "EVENT_SPECS",
    "CampaignClosedV1",
    "CampaignHeldV1",
    "CampaignKind",
    "CampaignPlannedV1",
    "Channel",
    "ContributionPaidV1",
    "EventData",
    "EventSpec",
    "PayerType",
    "Programme",
    "Segment",
    "WorkerRegisteredV1",
    "spec_for_model",
    "spec_for_type",
]
