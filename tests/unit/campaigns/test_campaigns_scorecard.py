"""Scorecard arithmetic: registrations, first payments, retention by date, money by payer."""

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest

from jangkau_campaigns.domain.attribution import Payment, Registration
from jangkau_campaigns.domain.campaigns import Campaign, HoldCampaign, PlanCampaign
from jangkau_campaigns.domain.months import Month, is_active, last_month_due
from jangkau_campaigns.domain.scorecard import leaderboard, score
from jangkau_shared.events import CampaignKind

NOW = datetime(2017, 8, 20, tzinfo=UTC)


def _booth() -> Campaign:
    plan = PlanCampaign(
        branch="denpasar",
        name="Booth Sesetan Karnaval 2017",
        kind=CampaignKind.FESTIVAL_BOOTH,
        village_codes=("51.71.01.1003",),
        place="Lapangan Pegok",
        starts_on=date(2017, 8, 13),
        ends_on=date(2017, 8, 17),
        partners=(),
        target_registrations=8,
        target_first_payments=4,
    )
    campaign = Campaign.plan(plan, campaign_id=uuid4(), now=NOW)
    return campaign.hold(HoldCampaign(date(2017, 8, 13), date(2017, 8, 17), 100), now=NOW)[0]


def _person(
    campaign: Campaign, village: str = "51.71.01.1003", segment: str = "street_vendor"
) -> Registration:
    return Registration(uuid4(), campaign.campaign_id, "denpasar", village, segment, date(2017, 8, 14))


def _paid(
    who: Registration,
    first: str,
    months: int,
    on: date,
    *,
    campaign_id: UUID | None = None,
    payer: str = "self",
) -> Payment:
    start = Month.parse(first)
    return Payment(
        uuid4(),
        who.participant_id,
        campaign_id,
        start,
        months,
        start + (months - 1),
        16_800 * months,
        payer,
        on,
    )


def test_the_current_months_contribution_is_due_after_the_fifteenth() -> None:
    assert last_month_due(date(2017, 9, 15)) == Month.parse("2017-08")
    assert last_month_due(date(2017, 9, 16)) == Month.parse("2017-09")
    assert last_month_due(date(2018, 1, 3)) == Month.parse("2017-12")


def test_active_means_paid_through_the_last_month_due() -> None:
    assert is_active(Month.parse("2017-10"), date(2017, 11, 15))
    assert not is_active(Month.parse("2017-10"), date(2017, 11, 16))
    assert not is_active(None, date(2017, 11, 1))


def test_a_payment_must_cover_the_months_it_claims() -> None:
    with pytest.raises(ValueError, match="paid_through"):
        Payment(
            uuid4(), uuid4(), None, Month.parse("2017-08"), 3, Month.parse("2017-09"), 1, "self", date.today()
        )


def test_retention_90_days_after_the_booth_counts_who_was_paid_up_on_that_day() -> None:
    booth = _booth()
    a, b, c, d = (_person(booth) for _ in range(4))
    payments = [
        _paid(a, "2017-08", 12, date(2017, 8, 14)),  # through 2018-07: active all along
        _paid(b, "2017-08", 1, date(2017, 8, 14)),
        _paid(b, "2017-09", 1, date(2017, 9, 10)),  # through 2017-09: active on 16 Sep, not on 15 Nov
        _paid(c, "2017-08", 3, date(2017, 8, 15)),  # through 2017-10: still in time on 15 Nov
        _paid(b, "2017-10", 3, date(2017, 11, 20)),  # arrears paid after day 90: does not count then
    ]
    card = score(booth, registrations=[a, b, c, d], payments=payments, credited=[], as_of=date(2018, 1, 1))
    day30, day90 = card.retention_after(30), card.retention_after(90)
    assert (day30.day, day30.active, day30.base, day30.share) == (date(2017, 9, 16), 3, 4, 0.75)
    assert (day90.day, day90.active, day90.base, day90.share) == (date(2017, 11, 15), 2, 4, 0.5)
    assert (card.paid_once, card.paid_once_share) == (3, 0.75)


def test_retention_is_not_measured_before_its_day() -> None:
    booth = _booth()
    a = _person(booth)
    card = score(booth, registrations=[a], payments=[], credited=[], as_of=date(2017, 10, 1))
    assert card.retention_after(30).measured
    assert not card.retention_after(90).measured
    assert card.retention_after(90).share is None


def test_registrations_are_counted_by_village_and_segment_against_the_target() -> None:
    booth = _booth()
    people = [
        _person(booth),
        _person(booth, segment="driver"),
        _person(booth, village="51.71.04.2008", segment="driver"),
        _person(booth, village="51.71.04.2008", segment="driver"),
    ]
    card = score(booth, registrations=people, payments=[], credited=[], as_of=date(2017, 9, 1))
    assert card.registrations == 4
    assert card.attainment == 0.5
    assert card.by_village == {"51.71.01.1003": 2, "51.71.04.2008": 2}
    assert card.by_segment == {"driver": 3, "street_vendor": 1}
    assert card.paid_once_share == 0.0


def test_contributions_credited_to_the_campaign_are_summed_by_payer_type() -> None:
    booth = _booth()
    a, b = _person(booth), _person(booth)
    credited = [
        _paid(a, "2017-08", 1, date(2017, 8, 14), campaign_id=booth.campaign_id),
        _paid(b, "2017-08", 3, date(2017, 8, 15), campaign_id=booth.campaign_id, payer="village_fund"),
        _paid(b, "2017-11", 1, date(2017, 12, 1), campaign_id=booth.campaign_id),  # after as_of
    ]
    card = score(booth, registrations=[a, b], payments=credited, credited=credited, as_of=date(2017, 11, 1))
    assert (card.contributions, card.amount) == (2, 16_800 * 4)
    assert {k: (v.payments, v.amount) for k, v in card.by_payer.items()} == {
        "self": (1, 16_800),
        "village_fund": (1, 50_400),
    }


def test_the_leaderboard_ranks_more_registrations_first() -> None:
    small, big = _booth(), _booth()
    scored = [
        (
            small,
            score(small, registrations=[_person(small)], payments=[], credited=[], as_of=date(2018, 1, 1)),
        ),
        (
            big,
            score(
                big,
                registrations=[_person(big), _person(big)],
                payments=[],
                credited=[],
                as_of=date(2018, 1, 1),
            ),
        ),
    ]
    ranked = leaderboard(scored)
    assert [(s.rank, s.campaign.campaign_id) for s in ranked] == [
        (1, big.campaign_id),
        (2, small.campaign_id),
    ]
