"""Hand-written fakes of the registration ports, wired like bootstrap wires the real ones."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Self
from uuid import UUID

from jangkau_registration.bootstrap import load_rates
from jangkau_registration.domain.contributions import Contribution
from jangkau_registration.domain.months import Month
from jangkau_registration.domain.nik import Nik
from jangkau_registration.domain.outcomes import StoredAnswer
from jangkau_registration.domain.participants import Participant, ParticipantRecord
from jangkau_registration.ports import DuplicateClientId
from jangkau_registration.service import Context
from jangkau_shared.events import EventData


@dataclass
class Store:
    """What the fake database holds across units of work."""

    participants: dict[UUID, ParticipantRecord] = field(default_factory=dict)
    niks: dict[str, UUID] = field(default_factory=dict)
    contributions: dict[UUID, Contribution] = field(default_factory=dict)
    answers: dict[UUID, StoredAnswer] = field(default_factory=dict)
    events: list[EventData] = field(default_factory=list)


class FakeParticipantRepository:
    """Participants in a dict; writes are staged until commit."""

    def __init__(self, store: Store, staged: dict[UUID, ParticipantRecord], niks: dict[str, UUID]) -> None:
        self._store, self._staged, self._niks = store, staged, niks

    async def add_new(self, participants: Sequence[Participant]) -> set[UUID]:
        added = set()
        for p in participants:
            if p.nik.value in self._store.niks or p.nik.value in self._niks:
                continue
            self._niks[p.nik.value] = p.participant_id
            self._staged[p.participant_id] = ParticipantRecord(
                p.participant_id, p.branch, p.village_code, p.segment, p.programmes, p.income_bracket,
                p.channel, p.registered_on, None, p.campaign_id,
            )  # fmt: skip
            added.add(p.participant_id)
        return added

    async def ids_for_niks(self, niks: Sequence[Nik]) -> dict[str, UUID]:
        return {n.value: self._store.niks[n.value] for n in niks if n.value in self._store.niks}

    async def get(self, participant_id: UUID, *, for_update: bool = False) -> ParticipantRecord | None:
        return self._staged.get(participant_id) or self._store.participants.get(participant_id)

    async def set_paid_through(self, participant_id: UUID, month: Month) -> None:
        current = await self.get(participant_id)
        assert current is not None
        self._staged[participant_id] = replace(current, paid_through=month)


class FakeContributionRepository:
    def __init__(self, store: Store, staged: dict[UUID, Contribution]) -> None:
        self._store, self._staged = store, staged

    async def add(self, contribution: Contribution) -> None:
        self._staged[contribution.cmd.contribution_id] = contribution

    async def paid_through_on(self, participant_id: UUID, day: date) -> Month | None:
        months = [
            c.paid_through
            for c in (*self._store.contributions.values(), *self._staged.values())
            if c.cmd.participant_id == participant_id and c.cmd.paid_on <= day
        ]
        return max(months, key=lambda m: m.index) if months else None


class FakeAnswerBook:
    def __init__(self, store: Store, staged: dict[UUID, StoredAnswer]) -> None:
        self._store, self._staged = store, staged

    async def get(self, client_id: UUID) -> StoredAnswer | None:
        return self._store.answers.get(client_id)

    async def put(self, stored: StoredAnswer) -> None:
        if stored.client_id in self._store.answers:
            raise DuplicateClientId()
        self._staged[stored.client_id] = stored

    async def get_many(self, client_ids: Sequence[UUID]) -> dict[UUID, StoredAnswer]:
        return {c: self._store.answers[c] for c in client_ids if c in self._store.answers}

    async def put_new(self, answers: Sequence[StoredAnswer]) -> set[UUID]:
        fresh = [a for a in answers if a.client_id not in self._store.answers | self._staged]
        self._staged |= {a.client_id: a for a in fresh}
        return {a.client_id for a in fresh}


class FakeUnitOfWork:
    """A transaction over the Store: nothing is visible before commit."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._people: dict[UUID, ParticipantRecord] = {}
        self._niks: dict[str, UUID] = {}
        self._paid: dict[UUID, Contribution] = {}
        self._answers: dict[UUID, StoredAnswer] = {}
        self._events: list[EventData] = []
        self.participants = FakeParticipantRepository(store, self._people, self._niks)
        self.contributions = FakeContributionRepository(store, self._paid)
        self.answers = FakeAnswerBook(store, self._answers)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def publish(self, event: EventData) -> None:
        self._events.append(event)

    async def commit(self) -> None:
        self.store.participants |= self._people
        self.store.niks |= self._niks
        self.store.contributions |= self._paid
        self.store.answers |= self._answers
        self.store.events += self._events


class FakePlaces:
    """Two villages: Sesetan (denpasar) and Sungai Baung (jambi); one unserved Aceh village."""

    branches = {"51.71.01.1003": "denpasar", "15.04.03.2015": "jambi", "11.01.01.2001": None}

    def is_village(self, code: str) -> bool:
        return code in self.branches

    def branch_for_village(self, code: str) -> str | None:
        return self.branches.get(code)


class FakeFingerprinter:
    def fingerprint(self, canonical: bytes) -> bytes:
        return hashlib.sha256(canonical).digest()


@dataclass(frozen=True)
class Branches:
    """A caller scope."""

    allowed: frozenset[str]

    def may_act_for(self, branch: str) -> bool:
        return branch in self.allowed


DENPASAR = Branches(frozenset({"denpasar"}))


def context(store: Store, *, now: datetime = datetime(2026, 11, 23, 3, tzinfo=UTC)) -> Context:
    """Wire the use cases to fakes and the packaged rate table."""
    return Context(
        uow=lambda: FakeUnitOfWork(store),
        places=FakePlaces(),
        fingerprints=FakeFingerprinter(),
        rates=load_rates(),
        now=lambda: now,
    )
