"""Use cases through bootstrap-like wiring with hand-written fakes."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest
from registration_fakes import DENPASAR, Branches, FakeUnitOfWork, Store, context

from jangkau_registration import service
from jangkau_registration.domain.contributions import PayContribution
from jangkau_registration.domain.errors import ClientIdConflict, InvalidField, OutOfScope, ParticipantNotFound
from jangkau_registration.domain.months import Month
from jangkau_registration.domain.nik import Nik
from jangkau_registration.domain.outcomes import Answer, Outcome
from jangkau_registration.domain.participants import Participant, RegisterWorker
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


async def test_a_batch_answers_each_item_as_if_they_had_come_one_after_another() -> None:
    store, first = Store(), _worker()
    items = [
        first,
        _worker("5171011508850002", village_code="15.04.03.2015"),  # another branch: out of scope
        _worker(),  # first's NIK under another client id
        first,  # first again: a replay
        _worker(client_id=first.client_id, name="Other"),  # first's client id, other content
        _worker("5171011508850003"),
    ]
    outcomes = await service.register_workers(items, scope=DENPASAR, ctx=context(store))

    created, out_of_scope, known, replay, conflict, other = outcomes
    assert isinstance(created, Answer)
    assert created.outcome is Outcome.CREATED
    assert isinstance(out_of_scope, OutOfScope)
    assert isinstance(known, Answer)
    assert (known.outcome, known.participant_id) == (Outcome.ALREADY_REGISTERED, created.participant_id)
    assert isinstance(replay, Answer)
    assert replay.replayed
    assert replay.participant_id == created.participant_id
    assert isinstance(conflict, ClientIdConflict)
    assert isinstance(other, Answer)
    assert other.outcome is Outcome.CREATED
    assert len(store.events) == 2
    assert len(store.answers) == 3


class _RivalFirst(FakeUnitOfWork):
    """A transaction that a concurrent one beats to a NIK: the rival commits just before our insert."""

    def __init__(self, store: Store, rival: RegisterWorker) -> None:
        super().__init__(store)
        self._rival = rival
        inner = self.participants.add_new

        async def add_new(people: Sequence[Participant]) -> set[UUID]:
            rival = FakeUnitOfWork(store)
            await rival.participants.add_new([_enrolled(self._rival)])
            await rival.commit()
            return await inner(people)

        self.participants.add_new = add_new  # type: ignore[method-assign]


def _enrolled(cmd: RegisterWorker) -> Participant:
    return Participant.enrol(
        cmd, participant_id=uuid4(), branch="denpasar", now=datetime(2026, 1, 10, tzinfo=UTC)
    )


async def test_a_nik_a_rival_took_meanwhile_is_answered_already_registered_in_the_same_transaction() -> None:
    store, lost, other = Store(), _worker(), _worker(nik="5171011508850002")
    again = _worker(nik=lost.nik.value)
    attempts: list[FakeUnitOfWork] = []

    def uow() -> FakeUnitOfWork:
        attempts.append(_RivalFirst(store, lost) if not attempts else FakeUnitOfWork(store))
        return attempts[-1]

    ctx = replace(context(store), uow=uow)
    answers = await service.register_workers([lost, other, again], scope=DENPASAR, ctx=ctx)

    assert len(attempts) == 1
    rivals = store.niks[lost.nik.value]
    assert [(a.outcome, a.participant_id) for a in answers if isinstance(a, Answer)] == [
        (Outcome.ALREADY_REGISTERED, rivals),
        (Outcome.CREATED, store.niks[other.nik.value]),
        (Outcome.ALREADY_REGISTERED, rivals),
    ]
    (event,) = store.events
    assert isinstance(event, WorkerRegisteredV1)
    assert event.participant_id == store.niks[other.nik.value]
    assert {a.answer.participant_id for a in store.answers.values()} == {rivals, store.niks[other.nik.value]}


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
    ctx = context(store, now=datetime(2026, 11, 22, 20, tzinfo=UTC))  # 23 Nov, 03:00 in Jakarta
    registered = await service.register_worker(_worker(), scope=DENPASAR, ctx=ctx)

    _, now, day = await service.participant_status(
        registered.participant_id, as_of=None, scope=DENPASAR, ctx=ctx
    )

    assert day == date(2026, 11, 23)
    assert now.state.value == "never_paid"


async def test_status_on_a_past_day_counts_only_the_contributions_paid_by_then() -> None:
    store = Store()
    ctx = context(store)
    registered = await service.register_worker(_worker(), scope=DENPASAR, ctx=ctx)
    pid = registered.participant_id
    await service.pay_contribution(_payment(pid), scope=DENPASAR, ctx=ctx)  # January, paid 10 Jan
    later = _payment(pid, first_month=Month(2026, 2), months=3, amount=42_000, paid_on=date(2026, 3, 1))
    await service.pay_contribution(later, scope=DENPASAR, ctx=ctx)  # through April, paid 1 Mar

    async def state_on(day: date) -> str:
        _, standing, _ = await service.participant_status(pid, as_of=day, scope=DENPASAR, ctx=ctx)
        return standing.state.value

    assert await state_on(date(2026, 1, 9)) == "never_paid"
    assert await state_on(date(2026, 2, 20)) == "arrears"  # February was due by the 15th
    assert await state_on(date(2026, 3, 1)) == "active"
    assert await state_on(date(2026, 5, 15)) == "active"
    assert await state_on(date(2026, 5, 16)) == "arrears"
