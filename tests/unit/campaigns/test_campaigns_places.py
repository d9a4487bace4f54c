"""A campaign's villages must exist and lie in its branch, checked against the shared reference places."""

from datetime import UTC, date, datetime

import pytest
from campaigns_fakes import FakeUnitOfWork, Store, scope

from jangkau_campaigns import service
from jangkau_campaigns.domain.campaigns import Campaign, PlanCampaign
from jangkau_campaigns.domain.errors import InvalidField, InvalidFields, OutOfScope
from jangkau_shared.auth import Team
from jangkau_shared.events import CampaignKind
from jangkau_shared.places import ReferencePlaces

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PLACES = ReferencePlaces()
MALINGPING_UTARA = "36.02.01.2005"  # Kecamatan Malingping, Kabupaten Lebak: branch rangkasbitung
SUNGAI_BAUNG = "15.04.03.2015"  # Kabupaten Batanghari: branch jambi
NOWHERE = "99.99.99.9999"
RANGKASBITUNG = scope("rangkasbitung")
OPS = scope("*")


def _market_day(*villages: str, branch: str = "rangkasbitung") -> PlanCampaign:
    return PlanCampaign(
        branch=branch,
        name="Hari pasar Malingping",
        kind=CampaignKind.MARKET_DAY,
        village_codes=villages,
        place="Pasar Malingping",
        starts_on=date(2026, 3, 10),
        ends_on=date(2026, 3, 10),
        partners=(),
        target_registrations=15,
        target_first_payments=10,
    )


async def _plan(cmd: PlanCampaign, team: Team, store: Store) -> Campaign:
    return await service.plan_campaign(
        cmd, actor=team, uow=FakeUnitOfWork(store), places=PLACES, now=lambda: NOW
    )


def _named(refused: InvalidFields) -> list[tuple[str, object]]:
    return [(e.field, e.value) for e in refused.errors]


async def test_a_village_code_that_does_not_exist_is_refused_naming_the_field_and_the_code() -> None:
    store = Store()
    with pytest.raises(InvalidFields) as refused:
        await _plan(_market_day(NOWHERE), RANGKASBITUNG, store)
    assert _named(refused.value) == [("village_codes", NOWHERE)]
    assert "not a desa/kelurahan" in refused.value.errors[0].reason
    assert (store.campaigns, store.events) == ({}, [])


async def test_a_village_of_another_branch_is_refused_naming_the_branch_it_lies_in() -> None:
    store = Store()
    with pytest.raises(InvalidFields) as refused:
        await _plan(_market_day(MALINGPING_UTARA, SUNGAI_BAUNG), RANGKASBITUNG, store)
    assert _named(refused.value) == [("village_codes", SUNGAI_BAUNG)]
    assert refused.value.errors[0].reason == "lies in the area of branch jambi, not of rangkasbitung"
    assert store.campaigns == {}


async def test_every_bad_village_of_a_plan_is_named_at_once() -> None:
    with pytest.raises(InvalidFields) as refused:
        await _plan(_market_day(NOWHERE, MALINGPING_UTARA, SUNGAI_BAUNG), RANGKASBITUNG, Store())
    assert _named(refused.value) == [("village_codes", NOWHERE), ("village_codes", SUNGAI_BAUNG)]


async def test_an_ops_token_is_held_to_the_same_rule_the_villages_lie_in_the_campaigns_branch() -> None:
    store = Store()
    with pytest.raises(InvalidFields) as refused:
        await _plan(_market_day(SUNGAI_BAUNG), OPS, store)
    assert _named(refused.value) == [("village_codes", SUNGAI_BAUNG)]
    planned = await _plan(_market_day(SUNGAI_BAUNG, branch="jambi"), OPS, store)
    assert list(store.campaigns) == [planned.campaign_id]


async def test_a_branch_that_is_not_configured_is_refused_naming_the_field_branch() -> None:
    with pytest.raises(InvalidField) as refused:
        await _plan(_market_day(MALINGPING_UTARA, branch="rangkasbitng"), OPS, Store())
    assert (refused.value.field, refused.value.value) == ("branch", "rangkasbitng")


async def test_a_token_of_another_branch_is_refused_before_its_villages_are_judged() -> None:
    with pytest.raises(OutOfScope):
        await _plan(_market_day(NOWHERE, branch="jambi"), RANGKASBITUNG, Store())


async def test_a_sub_branch_plans_in_the_villages_of_its_parent_office() -> None:
    store = Store()
    malingping = scope("malingping")
    planned = await _plan(_market_day(MALINGPING_UTARA, branch="malingping"), malingping, store)
    assert store.campaigns[planned.campaign_id].village_codes == (MALINGPING_UTARA,)
    assert [type(e).__name__ for e in store.events] == ["CampaignPlannedV1"]
    with pytest.raises(InvalidFields) as refused:
        await _plan(_market_day(SUNGAI_BAUNG, branch="malingping"), malingping, store)
    assert refused.value.errors[0].reason.endswith("not of malingping (a sub-branch of rangkasbitung)")


async def test_a_village_in_the_branch_is_planned_and_announced() -> None:
    store = Store()
    planned = await _plan(_market_day(MALINGPING_UTARA), RANGKASBITUNG, store)
    assert store.campaigns == {planned.campaign_id: planned}
    assert [e.village_codes for e in store.events] == [[MALINGPING_UTARA]]  # type: ignore[attr-defined]
