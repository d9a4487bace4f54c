"""Roles shared by the services' use cases (typing only; no infrastructure imported here)."""

from types import TracebackType
from typing import Protocol, Self

from jangkau_shared.events import EventData


class TransactionalOutbox(Protocol):
    """One database transaction whose published events commit together with the state change."""

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
