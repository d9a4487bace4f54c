"""Use cases of the registration service."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from jangkau_registration.domain.participants import Participant, RegisterWorker
from jangkau_registration.ports import DuplicateNik, UnitOfWork


@dataclass(frozen=True)
class Registered:
    """The worker is now a participant."""

    participant_id: UUID


@dataclass(frozen=True)
class AlreadyRegistered:
    """The NIK belongs to an existing participant."""

    participant_id: UUID


async def register_worker(
    cmd: RegisterWorker, *, uow: UnitOfWork, now: Callable[[], datetime]
) -> Registered | AlreadyRegistered:
    """Enrol a worker once per NIK; the event is committed with the participant."""
    async with uow:
        existing = await uow.participants.id_for_nik(cmd.nik)
        if existing is not None:
            return AlreadyRegistered(existing)
        participant = Participant.enrol(cmd, participant_id=uuid4(), now=now())
        try:
            await uow.participants.add(participant)
        except DuplicateNik:
            return await _winner(cmd, uow)
        uow.publish(participant.registered_event())
        await uow.commit()
    return Registered(participant.participant_id)


async def _winner(cmd: RegisterWorker, uow: UnitOfWork) -> AlreadyRegistered:
    """A concurrent request registered the same NIK first: answer with its participant."""
    existing = await uow.participants.id_for_nik(cmd.nik)
    if existing is None:
        raise RuntimeError("NIK reported duplicate but not found")
    return AlreadyRegistered(existing)
