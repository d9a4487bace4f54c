"""Example payloads of every event type, shared by the contract tests."""

from datetime import UTC, date, datetime
from uuid import UUID

from jangkau_shared.events import (
    CampaignClosedV1,
    CampaignHeldV1,
    CampaignKind,
    CampaignPlannedV1,
    Channel,
    ContributionPaidV1,
    EventData,
    PayerType,
    Programme,
    Segment,
    WorkerRegisteredV1,
)

PARTICIPANT = UUID("8f0d5a8e-3b61-4a0e-9a57-1d2f3c4b5a69")
CAMPAIGN = UUID("2c1e6a57-9b0d-4f3e-8a21-7e6d5c4b3a21")
AT = datetime(2017, 8, 13, 9, 30, tzinfo=UTC)


def every_event() -> list[EventData]:
    """One valid payload of each v1 type, set at the Sesetan Karnaval booth."""
    programmes = [Programme.JKK, Programme.JKM]
    return [
        WorkerRegisteredV1(
            participant_id=PARTICIPANT,
            branch="denpasar",
            village_code="51.71.01.1003",
            segment=Segment.STREET_VENDOR,
            programmes=programmes,
            income_bracket=1_000_000,
            channel=Channel.BOOTH,
            campaign_id=CAMPAIGN,
            registered_on=date(2017, 8, 13),
            registered_at=AT,
        ),
        ContributionPaidV1(
            contribution_id=UUID("0b7d0b43-3a3f-4f43-9c5e-6a7b8c9d0e1f"),
            participant_id=PARTICIPANT,
            branch="denpasar",
            village_code="51.71.01.1003",
            segment=Segment.STREET_VENDOR,
            first_month="2017-08",
            months=3,
            paid_through="2017-10",
            amount=50_400,
            programmes=programmes,
            payer_type=PayerType.SELF,
            channel=Channel.BOOTH,
            campaign_id=CAMPAIGN,
            paid_on=date(2017, 8, 13),
            paid_at=AT,
        ),
        CampaignPlannedV1(
            campaign_id=CAMPAIGN,
            branch="denpasar",
            name="Sesetan Karnaval 2017 booth",
            kind=CampaignKind.FESTIVAL_BOOTH,
            village_codes=["51.71.01.1003"],
            place="Lapangan Pegok",
            starts_on=date(2017, 8, 13),
            ends_on=date(2017, 8, 17),
            partners=["Kelurahan Sesetan"],
            target_registrations=500,
            target_first_payments=300,
            planned_at=AT,
        ),
        CampaignHeldV1(
            campaign_id=CAMPAIGN,
            branch="denpasar",
            held_from=date(2017, 8, 13),
            held_to=date(2017, 8, 17),
            headcount=1200,
            held_at=AT,
        ),
        CampaignClosedV1(campaign_id=CAMPAIGN, branch="denpasar", outcome="closed", closed_at=AT),
    ]
