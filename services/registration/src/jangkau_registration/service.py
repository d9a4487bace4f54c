"""Use cases of the registration service: register, quote and pay, tell a participant's standing."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

from jangkau_registration.domain.contributions import (
    PayContribution,
    Quote,
    accept_contribution,
    price_contribution,
)
from jangkau_registration.domain.coverage import Standing, standing
from jangkau_registration.domain.errors import (
    ClientIdConflict,
    DomainError,
    InvalidField,
    OutOfScope,
    ParticipantNotFound,
)
from jangkau_registration.domain.months import Month
from jangkau_registration.domain.outcomes import Answer, Outcome, StoredAnswer
from jangkau_registration.domain.participants import (
    Participant,
    ParticipantRecord,
    RegisterWorker,
    check_registration,
)
from jangkau_registration.domain.rates import RateTable
from jangkau_registration.ports import (
    DuplicateClientId,
    Fingerprinter,
    LostRace,
    Places,
    Scope,
    UnitOfWork,
)
from jangkau_shared.events import PayerType

#: Field dates may be "today" anywhere in Indonesia, whose easternmost zone (WIT) is UTC+9.
EASTERNMOST = timedelta(hours=9)
#: Standing is told as of today in Jakarta (WIB, UTC+7) unless a date is given.
JAKARTA = timedelta(hours=7)
#: Runs of a registration transaction: optimistic first, then with lookups (again if it lost a
#: race for a client id, or deadlocked).
ATTEMPTS = 3


@dataclass(frozen=True)
class Context:
    """The ports and configuration every use case draws on (assembled by bootstrap)."""

    uow: Callable[[], UnitOfWork]
    places: Places
    fingerprints: Fingerprinter
    rates: RateTable
    now: Callable[[], datetime]

    def jakarta_today(self) -> date:
        """Return today's date in Jakarta, the day standing is told as of unless one is given."""
        return (self.now().astimezone(UTC) + JAKARTA).date()

    def latest_field_day(self) -> date:
        """Return the latest date a field event may carry."""
        return (self.now().astimezone(UTC) + EASTERNMOST).date()


async def _replay(uow: UnitOfWork, client_id: UUID, fingerprint: bytes) -> Answer | None:
    """Return the earlier answer to the same item; raise ClientIdConflict for other content."""
    stored = await uow.answers.get(client_id)
    if stored is None:
        return None
    if stored.fingerprint != fingerprint:
        raise ClientIdConflict(client_id)
    return stored.answer.as_replay()


async def _remember(uow: UnitOfWork, stored: StoredAnswer) -> None:
    try:
        await uow.answers.put(stored)
    except DuplicateClientId as err:
        raise ClientIdConflict(stored.client_id) from err


def branch_of(cmd: RegisterWorker, *, places: Places, scope: Scope) -> str:
    """Derive the branch from the village; check the given branch and the caller's scope."""
    if not places.is_village(cmd.village_code):
        raise InvalidField("village_code", cmd.village_code, "is not a desa/kelurahan in the reference data")
    branch = places.branch_for_village(cmd.village_code)
    if branch is None:
        raise InvalidField("village_code", cmd.village_code, "is not served by any configured branch office")
    if cmd.branch is not None and cmd.branch != branch:
        raise InvalidField("branch", cmd.branch, f"village {cmd.village_code} is served by branch {branch}")
    if not scope.may_act_for(branch):
        raise OutOfScope(branch)
    return branch


async def register_worker(cmd: RegisterWorker, *, scope: Scope, ctx: Context) -> Answer:
    """Enrol a worker once per NIK; the event is committed with the participant."""
    (outcome,) = await register_workers([cmd], scope=scope, ctx=ctx)
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


async def register_workers(
    cmds: Sequence[RegisterWorker], *, scope: Scope, ctx: Context
) -> list[Answer | DomainError]:
    """Enrol workers in one transaction, answering each as if they had come one after another.

    An item that breaks a rule gets its error and the others are stored. The new rows go in with
    one statement per table. The first attempt takes every item for new (the common case). A NIK
    found taken on insert is settled in the same transaction. When a client id turns out to be
    taken (before, or by a concurrent transaction meanwhile), or two transactions deadlock, it
    rolls back and the next attempt settles replays, known NIKs and reused client ids in memory
    from two lookups (items earlier in the same batch count as stored).
    """
    outcomes: list[Answer | DomainError | None] = [None] * len(cmds)
    checked: list[tuple[int, RegisterWorker, str, bytes]] = []
    for index, cmd in enumerate(cmds):
        try:
            check_registration(
                cmd,
                today=ctx.latest_field_day(),
                earliest=ctx.rates.programme_started,
                brackets=ctx.rates.income_brackets,
            )
            branch = branch_of(cmd, places=ctx.places, scope=scope)
        except DomainError as err:
            outcomes[index] = err
            continue
        fingerprint = ctx.fingerprints.fingerprint(b"registration:" + cmd.canonical())
        checked.append((index, cmd, branch, fingerprint))
    for attempt in range(1, ATTEMPTS + 1):
        try:
            answers = await _enrol_all(checked, ctx, look_up=attempt > 1)
            break
        except LostRace:
            if attempt == ATTEMPTS:
                raise
    for (index, *_), answer in zip(checked, answers, strict=True):
        outcomes[index] = answer
    return [o for o in outcomes if o is not None]


@dataclass
class _Decided:
    """What one pass over a batch decided: the answers in item order and the rows to write."""

    answers: list[Answer | DomainError]
    new_people: list[Participant]
    remembered: list[StoredAnswer]


def _decide(
    checked: Sequence[tuple[int, RegisterWorker, str, bytes]],
    *,
    answered: dict[UUID, StoredAnswer],
    known: dict[str, UUID],
    now: datetime,
    ids: dict[str, UUID],
) -> _Decided:
    """Answer every item from the stored answers and NIKs given; items earlier in the batch count
    as stored. A new participant takes its id from ``ids`` (by NIK) or a fresh one."""
    answered, known = dict(answered), dict(known)
    decided = _Decided([], [], [])
    for _, cmd, branch, fingerprint in checked:
        earlier = answered.get(cmd.client_id)
        if earlier is not None:
            same = earlier.fingerprint == fingerprint
            decided.answers.append(earlier.answer.as_replay() if same else ClientIdConflict(cmd.client_id))
            continue
        existing = known.get(cmd.nik.value)
        if existing is not None:
            answer = Answer(Outcome.ALREADY_REGISTERED, existing)
        else:
            participant_id = ids.get(cmd.nik.value) or uuid4()
            participant = Participant.enrol(cmd, participant_id=participant_id, branch=branch, now=now)
            known[cmd.nik.value] = participant_id
            decided.new_people.append(participant)
            answer = Answer(Outcome.CREATED, participant_id)
        answered[cmd.client_id] = StoredAnswer(cmd.client_id, "registration", fingerprint, answer)
        decided.remembered.append(answered[cmd.client_id])
        decided.answers.append(answer)
    return decided


async def _enrol_all(
    checked: Sequence[tuple[int, RegisterWorker, str, bytes]], ctx: Context, *, look_up: bool
) -> list[Answer | DomainError]:
    """One attempt: decide every item from what is stored, write the new rows, commit.

    Without ``look_up`` every item is taken for new (the common case, two round trips fewer).
    A NIK found taken on insert (stored before, or by a concurrent transaction that has now
    committed) is looked up and its items answered again in the same transaction; a client id
    found taken makes the caller run again with the lookups.
    """
    if not checked:
        return []
    async with ctx.uow() as uow:
        answered: dict[UUID, StoredAnswer] = {}
        known: dict[str, UUID] = {}
        if look_up:
            answered = await uow.answers.get_many([cmd.client_id for _, cmd, _, _ in checked])
            known = await uow.participants.ids_for_niks([cmd.nik for _, cmd, _, _ in checked])
        now = ctx.now()
        decided = _decide(checked, answered=answered, known=known, now=now, ids={})
        if not decided.remembered:
            return decided.answers  # replays and conflicts only: nothing to write
        inserted = await uow.participants.add_new(decided.new_people)
        if len(inserted) < len(decided.new_people):
            lost = [p.nik for p in decided.new_people if p.participant_id not in inserted]
            taken = await uow.participants.ids_for_niks(lost)
            if len(taken) < len(lost):
                raise LostRace()  # the row that blocked the insert is gone: start over
            kept = {p.nik.value: p.participant_id for p in decided.new_people if p.participant_id in inserted}
            decided = _decide(checked, answered=answered, known=known | taken, now=now, ids=kept)
        if len(await uow.answers.put_new(decided.remembered)) < len(decided.remembered):
            raise LostRace()
        for participant in decided.new_people:
            uow.publish(participant.registered_event())
        await uow.commit()
    return decided.answers


async def pay_contribution(cmd: PayContribution, *, scope: Scope, ctx: Context) -> Answer:
    """Record a payment checked against the rates; it extends (or restarts) the paid-up period."""
    fingerprint = ctx.fingerprints.fingerprint(b"contribution:" + cmd.canonical())
    async with ctx.uow() as uow:
        participant = await uow.participants.get(cmd.participant_id, for_update=True)
        if participant is None or not scope.may_act_for(participant.branch):
            raise ParticipantNotFound(cmd.participant_id)
        if (replayed := await _replay(uow, cmd.contribution_id, fingerprint)) is not None:
            return replayed
        accepted = accept_contribution(
            cmd, participant=participant, rates=ctx.rates, today=ctx.latest_field_day(), now=ctx.now()
        )
        await uow.participants.set_paid_through(participant.participant_id, accepted.paid_through)
        await uow.contributions.add(accepted)
        uow.publish(accepted.paid_event())
        answer = Answer(
            Outcome.RECORDED, participant.participant_id, accepted.paid_through, accepted.reactivated
        )
        await _remember(uow, StoredAnswer(cmd.contribution_id, "contribution", fingerprint, answer))
        await uow.commit()
    return answer


async def quote_contribution(
    participant_id: UUID,
    *,
    first_month: Month,
    months: int,
    payer: PayerType,
    paid_on: date | None,
    scope: Scope,
    ctx: Context,
) -> Quote:
    """Price a payment exactly as ``pay_contribution`` would check it now; record nothing.

    Field tools take the amount from here instead of keeping a copy of the rate table, so a rate
    period ops add is used at once. ``paid_on`` defaults to today in Jakarta.
    """
    day = paid_on or ctx.jakarta_today()
    async with ctx.uow() as uow:
        participant = await uow.participants.get(participant_id)
    if participant is None or not scope.may_act_for(participant.branch):
        raise ParticipantNotFound(participant_id)
    return price_contribution(
        participant,
        first_month=first_month,
        months=months,
        payer=payer,
        paid_on=day,
        rates=ctx.rates,
        today=ctx.latest_field_day(),
    )


async def participant_status(
    participant_id: UUID, *, as_of: date | None, scope: Scope, ctx: Context
) -> tuple[ParticipantRecord, Standing, date]:
    """Return a participant of the caller's branches as it stood on ``as_of`` (default today).

    Paid through what the contributions paid by that day cover, and the standing this gives.
    """
    day = as_of or ctx.jakarta_today()
    async with ctx.uow() as uow:
        participant = await uow.participants.get(participant_id)
        if participant is None or not scope.may_act_for(participant.branch):
            raise ParticipantNotFound(participant_id)
        paid = await uow.contributions.paid_through_on(participant_id, day)  # a past day: paid by then
    return replace(participant, paid_through=paid), standing(paid, day), day
