"""Unit of work on one async connection: state and outbox rows commit together."""

from datetime import UTC, datetime
from types import TracebackType
from typing import Self
from uuid import uuid4

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from jangkau_registration.adapters.pii import PersonalDataVault
from jangkau_registration.adapters.repositories import (
    SqlAnswerBook,
    SqlContributionRepository,
    SqlParticipantRepository,
)
from jangkau_registration.adapters.tables import outbox
from jangkau_shared.events import EventData
from jangkau_shared.outbox import outbox_row


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
        self._conn: AsyncConnection = await self._engine.connect()
        await self._conn.begin()
        self._participants = SqlParticipantRepository(self._conn, self._vault)
        self._contributions = SqlContributionRepository(self._conn)
        self._answers = SqlAnswerBook(self._conn)
        return self

    @property
    def participants(self) -> SqlParticipantRepository:
        """The participants of this transaction."""
        return self._participants

    @property
    def contributions(self) -> SqlContributionRepository:
        """The contributions of this transaction."""
        return self._contributions

    @property
    def answers(self) -> SqlAnswerBook:
        """The remembered answers of this transaction."""
        return self._answers

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
