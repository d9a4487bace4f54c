"""Hand-written fakes of the campaigns ports: a unit of work over dictionaries, a team's scope."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self
from uuid import UUID, uuid4

from jangkau_campaigns.domain.attribution import Fact
from jangkau_campaigns.domain.campaigns import Campaign
from jangkau_campaigns.ports import ParkedEvent
from jangkau_shared.auth import Team
from jangkau_shared.events import EventData


@dataclass
class Store:
    """What the fake database holds across units of work: campaigns and the published events."""

    campaigns: dict[UUID, Campaign] = field(default_factory=dict)
    events: list[EventData] = field(default_factory=list)


class _Campaigns:
    def __init__(self, staged: dict[UUID, Campaign]) -> None:
        self._staged = staged

    async def add(self, campaign: Campaign) -> None:
        self._staged[campaign.campaign_id] = campaign

    async def lock_ids(self, campaign_ids: set[UUID]) -> None:
        return None


class _Attribution:
    async def add(self, facts: Sequence[Fact]) -> int:
        return len(facts)


class _Parked:
    async def take(self, campaign_ids: set[UUID] | None = None, *, limit: int = 1000) -> list[ParkedEvent]:
        return []


class FakeUnitOfWork:
    """Stages a plan's campaign and events; they reach the store only on commit."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._staged: dict[UUID, Campaign] = {}
        self._events: list[EventData] = []
        self.campaigns = _Campaigns(self._staged)
        self.attribution = _Attribution()
        self.parked = _Parked()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._staged.clear()
        self._events.clear()

    def publish(self, event: EventData) -> None:
        self._events.append(event)

    async def commit(self) -> None:
        self._store.campaigns.update(self._staged)
        self._store.events.extend(self._events)


def scope(*branches: str) -> Team:
    """A caller that may act for these branches ("*": every one), as a token identifies it."""
    return Team(uuid4(), "test-team", frozenset(branches))
