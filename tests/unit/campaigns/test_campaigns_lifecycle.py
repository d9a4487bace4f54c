"""The campaign lifecycle: planned -> held -> closed, planned -> cancelled, and nothing else."""

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from jangkau_campaigns.domain.campaigns import Campaign, CampaignStatus, HoldCampaign, PlanCampaign
from jangkau_campaigns.domain.errors import InvalidField, InvalidTransition
from jangkau_shared.events import CampaignKind

NOW = datetime(2017, 8, 20, 9, 0, tzinfo=UTC)


def _plan(**changes: object) -> PlanCampaign:
    values: dict[str, object] = {
        "branch": "denpasar",
        "name": "Booth Sesetan Karnaval 2017",
        "kind": CampaignKind.FESTIVAL_BOOTH,
        "village_codes": ("51.71.01.1003",),
        "place": "Lapangan Pegok, Sesetan, Denpasar",
        "starts_on": date(2017, 8, 13),
        "ends_on": date(2017, 8, 17),
        "partners": ("Kelurahan Sesetan",),
        "target_registrations": 500,
        "target_first_payments": 400,
    }
    return PlanCampaign(**(values | changes))  # type: ignore[arg-type]


def _planned() -> Campaign:
    return Campaign.plan(_plan(), campaign_id=uuid4(), now=NOW)


HOLD = HoldCampaign(date(2017, 8, 13), date(2017, 8, 17), headcount=3000, notes="busy")


def test_a_planned_campaign_announces_its_plan() -> None:
    campaign = _planned()
    event = campaign.planned_event()
    assert campaign.status is CampaignStatus.PLANNED
    assert event.campaign_id == campaign.campaign_id
    assert event.village_codes == ["51.71.01.1003"]
    assert (event.starts_on, event.ends_on) == (date(2017, 8, 13), date(2017, 8, 17))


def test_a_plan_that_ends_before_it_starts_names_ends_on() -> None:
    with pytest.raises(InvalidField) as err:
        Campaign.plan(_plan(ends_on=date(2017, 8, 12)), campaign_id=uuid4(), now=NOW)
    assert err.value.field == "ends_on"
    assert err.value.value == "2017-08-12"


def test_a_plan_without_villages_is_invalid() -> None:
    with pytest.raises(InvalidField, match="village"):
        Campaign.plan(_plan(village_codes=()), campaign_id=uuid4(), now=NOW)


def test_holding_records_the_actual_dates_and_publishes_campaign_held() -> None:
    held, event = _planned().hold(HOLD, now=NOW)
    assert held.status is CampaignStatus.HELD
    assert (held.held_from, held.held_to, held.headcount) == (date(2017, 8, 13), date(2017, 8, 17), 3000)
    assert held.ended_on == date(2017, 8, 17)
    assert event.headcount == 3000


def test_the_actual_end_replaces_the_planned_end() -> None:
    held, _ = _planned().hold(HoldCampaign(date(2017, 8, 13), date(2017, 8, 18), 10), now=NOW)
    assert held.ended_on == date(2017, 8, 18)


def test_a_campaign_cannot_be_held_in_the_future() -> None:
    with pytest.raises(InvalidField) as err:
        _planned().hold(HoldCampaign(date(2017, 8, 13), date(2017, 8, 21), 10), now=NOW)
    assert err.value.field == "held_to"


def test_held_dates_that_end_before_they_start_are_invalid() -> None:
    with pytest.raises(InvalidField) as err:
        _planned().hold(HoldCampaign(date(2017, 8, 14), date(2017, 8, 13), 10), now=NOW)
    assert err.value.field == "held_to"


def test_a_held_campaign_closes_with_outcome_closed() -> None:
    held, _ = _planned().hold(HOLD, now=NOW)
    closed, event = held.close(now=NOW)
    assert closed.status is CampaignStatus.CLOSED
    assert event.outcome == "closed"


def test_a_planned_campaign_cancels_with_outcome_cancelled() -> None:
    cancelled, event = _planned().cancel(now=NOW)
    assert cancelled.status is CampaignStatus.CANCELLED
    assert event.outcome == "cancelled"


def test_a_cancelled_campaign_cannot_be_held() -> None:
    cancelled, _ = _planned().cancel(now=NOW)
    with pytest.raises(InvalidTransition, match="cancelled campaign cannot be held"):
        cancelled.hold(HOLD, now=NOW)


def test_a_campaign_cannot_close_before_it_was_held() -> None:
    with pytest.raises(InvalidTransition, match="only a held campaign can be closed") as err:
        _planned().close(now=NOW)
    assert err.value.status == "planned"


def test_a_held_campaign_cannot_be_cancelled() -> None:
    held, _ = _planned().hold(HOLD, now=NOW)
    with pytest.raises(InvalidTransition, match="close it instead"):
        held.cancel(now=NOW)


def test_a_campaign_is_held_only_once() -> None:
    held, _ = _planned().hold(HOLD, now=NOW)
    with pytest.raises(InvalidTransition, match="already recorded as held"):
        held.hold(HOLD, now=NOW)


def test_a_closed_campaign_stays_closed() -> None:
    closed, _ = _planned().hold(HOLD, now=NOW)[0].close(now=NOW)
    for step in (lambda: closed.close(now=NOW), lambda: closed.cancel(now=NOW)):
        with pytest.raises(InvalidTransition):
            step()
