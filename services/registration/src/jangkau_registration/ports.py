"""Roles the use cases need from infrastructure."""

from collections.abc import Sequence
from datetime import date
from typing import Protocol
from uuid import UUID

from jangkau_registration.domain.contributions import Contribution
from jangkau_registration.domain.months import Month
from jangkau_registration.domain.nik import Nik
from jangkau_registration.domain.outcomes import StoredAnswer
from jangkau_registration.domain.participants import Participant, ParticipantRecord
from jangkau_shared.ports import TransactionalOutbox


class ParticipantRepository(Protocol):
    """Stores participants; finds them by id or by NIK (through a keyed hash)."""

    async def add_new(self, participants: Sequence[Participant]) -> set[UUID]:
        """Store new participants at once; skip those whose NIK is taken; return the ids stored."""
        ...

    async def ids_for_niks(self, niks: Sequence[Nik]) -> dict[str, UUID]:
        """Return the participant ids registered under any of ``niks``, by NIK value."""
        ...

    async def get(self, participant_id: UUID, *, for_update: bool = False) -> ParticipantRecord | None:
        """Return a participant (locked until commit when ``for_update``), or None."""
        ...

    async def set_paid_through(self, participant_id: UUID, month: Month) -> None:
        """Record the month a participant is now paid through."""
        ...


class ContributionRepository(Protocol):
    """Stores accepted contributions."""

    async def add(self, contribution: Contribution) -> None:
        """Store an accepted contribution."""
        ...

    async def paid_through_on(self, participant_id: UUID, day: date) -> Month | None:
        """The month a participant was paid through by the contributions paid on or before ``day``."""
        ...


class AnswerBook(Protocol):
    """Answers remembered per client id, for idempotent replays."""

    async def get(self, client_id: UUID) -> StoredAnswer | None:
        """Return the answer given to ``client_id``, if any."""
        ...

    async def put(self, stored: StoredAnswer) -> None:
        """Remember an answer; raise DuplicateClientId when the id is already taken."""
        ...

    async def get_many(self, client_ids: Sequence[UUID]) -> dict[UUID, StoredAnswer]:
        """Return the answers given to any of ``client_ids``, by client id."""
        ...

    async def put_new(self, answers: Sequence[StoredAnswer]) -> set[UUID]:
        """Remember answers at once; skip client ids already taken; return the client ids stored."""
        ...


class UnitOfWork(TransactionalOutbox, Protocol):
    """One database transaction: state changes and the events they publish commit together."""

    @property
    def participants(self) -> ParticipantRepository:
        """The participants of this transaction."""
        ...

    @property
    def contributions(self) -> ContributionRepository:
        """The contributions of this transaction."""
        ...

    @property
    def answers(self) -> AnswerBook:
        """The remembered answers of this transaction."""
        ...


class Places(Protocol):
    """Reference data: which villages exist and which branch office serves each."""

    def is_village(self, code: str) -> bool:
        """Tell whether ``code`` is a known desa/kelurahan."""
        ...

    def branch_for_village(self, code: str) -> str | None:
        """Return the code of the branch serving the village, or None when none does."""
        ...


class Fingerprinter(Protocol):
    """Keyed digest of an item's content (keyed, because the content holds a NIK)."""

    def fingerprint(self, canonical: bytes) -> bytes:
        """Return the digest of ``canonical``."""
        ...


class Scope(Protocol):
    """The branches a caller may act for."""

    def may_act_for(self, branch: str) -> bool:
        """Tell whether the caller may read or write ``branch``'s data."""
        ...


class LostRace(Exception):
    """A concurrent transaction took a NIK or client id first (or the two deadlocked): run again."""


class DuplicateClientId(Exception):
    """Raised by an answer book when a client id is already taken."""
