"""Use cases through bootstrap-like wiring with hand-written fakes."""

from dataclasses import replace
from datetime import date
from uuid import UUID, uuid4

import pytest
from registration_fakes import DENPASAR, Branches, Store, context

from jangkau_registration import service
from jangkau_registration.domain.contributions import PayContribution
from jangkau_registration.domain.errors import ClientIdConflict, InvalidField, OutOfScope, ParticipantNotFound
from jangkau_registration.domain.months import Month
from jangkau_registration.domain.nik import Nik
from jangkau_registration.domain.outcomes import Outcome
from jangkau_registration.domain.participants import RegisterWorker
from jangkau_shared.events import (
    Channel,
    ContributionPaidV1,
    PayerType,
    Programme,
    Segment,
    WorkerRegisteredV1,
)


def _worker(nik: str = "5171011508850001", **changes: object) -> RegisterWorker:
    base = RegisterWorker(
        client_id=uuid4(),
        nik=Nik.parse(nik),
        name="Ni Made Contoh",
        village_code="51.71.01.1003",
        segment=Segment.STREET_VENDOR,
        programmes=frozenset({Programme.JKK, Programme.JKM}),
        income_bracket=1_000_000,
        channel=Channel.BOOTH,
        registered_on=date(2026, 1, 10),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _payment(participant_id: UUID, **changes: object) -> PayContribution:
    base = PayContribution(
        uuid4(), participant_id, Month(2026, 1), 1, 16_800, PayerType.SELF, Channel.BOOTH, date(2026, 1, 10)
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def test_registering_stores_the_participant_and_publishes_one_event_without_the_nik() -> None:
    store = Store()
    answer = await service.register_worker(_worker(), scope=DENPASAR, ctx=context(store))

    assert answer.outcome is Outcome.CREATED
    assert [type(e) for e in store.events] == [WorkerRegisteredV1]
    assert store.participants[answer.participant_id].branch == "denpasar"
    assert "5171011508850001" not in store.events[0].model_dump_json()


async def test_a_replay_answers_the_same_and_publishes_nothing_more() -> None:
    store, cmd = Store(), _worker()
    first = await service.register_worker(cmd, scope=DENPASAR, ctx=context(store))
    again = await service.register_worker(cmd, scope=DENPASAR, ctx=context(store))

    assert again.participant_id == first.participant_id
    assert again.replayed
    assert len(store.events) == 1


async def test_the_same_client_id_with_other_content_is_a_conflict() -> None:
    store, cmd = Store(), _worker()
    await service.register_worker(cmd, scope=DENPASAR, ctx=context(store))

    with pytest.raises(ClientIdConflict):
        await service.register_worker(
            _worker(client_id=cmd.client_id, name="Other"), scope=DENPASAR, ctx=context(store)
        )


async def test_a_known_nik_answers_already_registered_with_the_existing_id() -> None:
    store = Store()
    first = await service.register_worker(_worker(), scope=DENPASAR, ctx=context(store))
    second = await service.register_worker(_worker(), scope=DENPASAR, ctx=context(store))

    assert (second.outcome, second.participant_id) == (Outcome.ALREADY_REGISTERED, first.participant_id)
    assert len(store.events) == 1


async def test_the_branch_is_derived_from_the_village_and_checked_against_the_scope() -> None:
    ctx = context(Store())
    with pytest.raises(OutOfScope):
        await service.register_worker(_worker(village_code="15.04.03.2015"), scope=DENPASAR, ctx=ctx)
    with pytest.raises(InvalidField, match="served by branch denpasar"):
        await service.register_worker(_worker(branch="jambi"), scope=DENPASAR, ctx=ctx)
    with pytest.raises(InvalidField, match="not served"):
        await service.register_worker(_worker(village_code="11.01.01.2001"), scope=DENPASAR, ctx=ctx)


async def test_a_payment_publishes_the_paid_event_and_moves_the_paid_through_month() -> None:
    store = Store()
    ctx = context(store)
    registered = await service.register_worker(_worker(), scope=DENPASAR, ctx=ctx)
    answer = await service.pay_contribution(_payment(registered.participant_id), scope=DENPASAR, ctx=ctx)

    assert answer.paid_through == Month(2026, 1)
    paid = store.events[-1]
    assert isinstance(paid, ContributionPaidV1)
    assert (paid.paid_through, paid.reactivated, paid.branch) == ("2026-01", False, "denpasar")


async def test_a_participant_outside_the_scope_is_not_found_for_payments_and_status() -> None:
    store = Store()
    ctx = context(store)
    registered = await service.register_worker(_worker(), scope=DENPASAR, ctx=ctx)
    jambi = Branches(frozenset({"jambi"}))

    with pytest.raises(ParticipantNotFound):
        await service.pay_contribution(_payment(registered.participant_id), scope=jambi, ctx=ctx)
    with pytest.raises(ParticipantNotFound):
        await service.participant_status(registered.participant_id, as_of=None, scope=jambi, ctx=ctx)


async def test_status_defaults_to_today_in_jakarta() -> None:
    store = Store()
    ctx = context(store)
    registered = await service.register_worker(_worker(), scope=DENPASAR, ctx=ctx)

    _, now, day = await service.participant_status(
        registered.participant_id, as_of=None, scope=DENPASAR, ctx=ctx
    )

    assert day == date(2026, 11, 23)
    assert now.state.value == "never_paid"
