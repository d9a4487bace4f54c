"""SQL repository and unit of work on one async connection."""

from datetime import UTC, datetime
from types import TracebackType
from typing import Self
from uuid import UUID, uuid4

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from jangkau_registration.adapters.pii import PersonalDataVault
from jangkau_registration.adapters.tables import outbox, participants
from jangkau_registration.domain.nik import Nik
from jangkau_registration.domain.participants import Participant
from jangkau_registration.ports import DuplicateNik
from jangkau_shared.events import EventData
from jangkau_shared.outbox import outbox_row


class SqlParticipantRepository:
    """Participants in PostgreSQL; personal fields sealed by the vault."""

    def __init__(self, conn: AsyncConnection, vault: PersonalDataVault) -> None:
        self._conn, self._vault = conn, vault

    async def add(self, participant: Participant) -> None:
        """Insert a participant; the unique NIK hash turns a race into DuplicateNik."""
        row = {
            "participant_id": participant.participant_id,
            "nik_hash": self._vault.lookup_hash(participant.nik.value),
            "nik_cipher": self._vault.seal(participant.nik.value, context=b"nik"),
            "name_cipher": self._vault.seal(participant.name, context=b"name"),
            "branch": participant.branch,
            "village_code": participant.village_code,
            "segment": participant.segment.value,
            "programmes": sorted(p.value for p in participant.programmes),
            "income_bracket": participant.income_bracket,
            "channel": participant.channel.value,
            "campaign_id": participant.campaign_id,
            "registered_on": participant.registered_on,
            "registered_at": participant.registered_at,
        }
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(insert(participants).values(row))
        except IntegrityError as err:
            raise DuplicateNik() from err

    async def id_for_nik(self, nik: Nik) -> UUID | None:
        """Find a participant id by the keyed hash of a NIK."""
        query = select(participants.c.participant_id).where(
            participants.c.nik_hash == self._vault.lookup_hash(nik.value)
        )
        return (await self._conn.execute(query)).scalar_one_or_none()


class SqlUnitOfWork:
    """A transaction on one connection; outbox rows are inserted at commit."""

    def __init__(
        self, engine: AsyncEngine, vault: PersonalDataVault, *, source: str, topic_prefix: str = ""
    ) -> None:
        self._engine, self._vault, self._source = engine, vault, source
        self._topic_prefix = topic_prefix
        self._events: list[EventData] = []
        self.committed = False

    async def __aenter__(self) -> Self:
        self._conn = await self._engine.connect()
        await self._conn.begin()
        self._participants = SqlParticipantRepository(self._conn, self._vault)
        return self

    @property
    def participants(self) -> SqlParticipantRepository:
        """The participants of this transaction."""
        return self._participants

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if not self.committed:
                await self._conn.rollback()
        finally:
            await self._conn.close()

    def publish(self, event: EventData) -> None:
        """Queue an event for the outbox of this transaction."""
        self._events.append(event)

    async def commit(self) -> None:
        """Write queued events to the outbox and commit everything at once."""
        if self._events:
            now = datetime.now(UTC)
            rows = [
                outbox_row(e, event_id=uuid4(), source=self._source, at=now, topic_prefix=self._topic_prefix)
                for e in self._events
            ]
            await self._conn.execute(insert(outbox), rows)
            self._events.clear()
        await self._conn.commit()
        self.committed = True
