"""Unit of work on one async connection: state and outbox rows commit together."""

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from jangkau_registration.adapters.pii import PersonalDataVault
from jangkau_registration.adapters.repositories import (
    SqlAnswerBook,
    SqlContributionRepository,
    SqlParticipantRepository,
)
from jangkau_registration.adapters.tables import outbox
from jangkau_shared.outbox import OutboxUnitOfWork


class SqlUnitOfWork(OutboxUnitOfWork):
    """A transaction on one connection; outbox rows are inserted at commit."""

    def __init__(
        self,
        engine: AsyncEngine,
        vault: PersonalDataVault,
        *,
        source: str,
        topic_prefix: str = "",
        on_events_committed: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(
            engine, outbox, source=source, topic_prefix=topic_prefix, on_events_committed=on_events_committed
        )
        self._vault = vault

    def _bind(self, conn: AsyncConnection) -> None:
        self._participants = SqlParticipantRepository(conn, self._vault)
        self._contributions = SqlContributionRepository(conn)
        self._answers = SqlAnswerBook(conn)

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
