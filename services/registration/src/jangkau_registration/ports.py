"""Roles the use cases need from infrastructure."""

from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from jangkau_registration.domain.nik import Nik
from jangkau_registration.domain.participants import Participant
from jangkau_shared.events import EventData


class ParticipantRepository(Protocol):
    """Stores participants; finds them by id or by NIK (through a keyed hash)."""

    async def add(self, participant: Participant) -> None:
        """Store a new participant; raise DuplicateNik when the NIK is taken."""
        ...

    async def id_for_nik(self, nik: Nik) -> UUID | None:
        """Return the participant id registered under ``nik``, if any."""
        ...


class UnitOfWork(Protocol):
    """One database transaction: state changes and the events they publish commit together."""

    @property
    def participants(self) -> ParticipantRepository:
        """The participants of this transaction."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def publish(self, event: EventData) -> None:
        """Queue an event into the outbox of this transaction."""
        ...

    async def commit(self) -> None:
        """Commit state and outbox rows at once."""
        ...


class DuplicateNik(Exception):
    """Raised by a repository when a NIK is already registered."""
