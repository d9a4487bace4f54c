"""Translate contract events into the facts the campaigns domain keeps."""

from jangkau_campaigns.domain.attribution import Fact, Payment, Registration
from jangkau_campaigns.domain.months import Month
from jangkau_campaigns.ports import StoredRecord
from jangkau_shared.deadletter import Record
from jangkau_shared.envelope import decode
from jangkau_shared.events import ContributionPaidV1, EventData, WorkerRegisteredV1


def fact_from_event(data: EventData) -> Fact:
    """Return the fact of a registration or payment event; raise ValueError when inconsistent."""
    if isinstance(data, WorkerRegisteredV1):
        return Registration(
            participant_id=data.participant_id,
            campaign_id=data.campaign_id,
            branch=data.branch,
            village_code=data.village_code,
            segment=data.segment.value,
            registered_on=data.registered_on,
        )
    if isinstance(data, ContributionPaidV1):
        return Payment(
            contribution_id=data.contribution_id,
            participant_id=data.participant_id,
            campaign_id=data.campaign_id,
            first_month=Month.parse(data.first_month),
            months=data.months,
            paid_through=Month.parse(data.paid_through),
            amount=data.amount,
            payer_type=data.payer_type.value,
            paid_on=data.paid_on,
        )
    raise TypeError(f"{type(data).__name__} is not attributed to campaigns")


def stored(record: Record) -> StoredRecord:
    """Copy what is needed of a consumer record."""
    return StoredRecord(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        value=record.value,
        headers=tuple((name, bytes(value)) for name, value in record.headers),
    )


def fact_from_record(record: StoredRecord) -> Fact:
    """Decode a stored record again (it decoded once, when it was parked)."""
    return fact_from_event(decode(record.headers, record.value or b"").data)
