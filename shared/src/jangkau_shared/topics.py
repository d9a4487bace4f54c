"""Topic names of the public event contract and their dead-letter companions."""

from typing import Final

WORKER_REGISTERED: Final = "bpu.worker.registered.v1"
CONTRIBUTION_PAID: Final = "bpu.contribution.paid.v1"
CAMPAIGN_PLANNED: Final = "bpu.campaign.planned.v1"
CAMPAIGN_HELD: Final = "bpu.campaign.held.v1"
CAMPAIGN_CLOSED: Final = "bpu.campaign.closed.v1"

ALL_TOPICS: Final = (
    WORKER_REGISTERED,
    CONTRIBUTION_PAID,
    CAMPAIGN_PLANNED,
    CAMPAIGN_HELD,
    CAMPAIGN_CLOSED,
)

#: Participant topics share a partition count so one participant's events meet on one consumer.
PARTICIPANT_TOPIC_PARTITIONS: Final = 6
CAMPAIGN_TOPIC_PARTITIONS: Final = 3


def dead_letter_topic(topic: str) -> str:
    """Return the dead-letter topic for ``topic``: ``bpu.x.v1`` -> ``bpu.x.v1.dlq.v1``."""
    return f"{topic}.dlq.v1"


def partitions_for(topic: str) -> int:
    """Return the partition count a topic of the contract is created with."""
    if topic in (WORKER_REGISTERED, CONTRIBUTION_PAID):
        return PARTICIPANT_TOPIC_PARTITIONS
    return CAMPAIGN_TOPIC_PARTITIONS
