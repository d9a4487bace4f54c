"""The one composition root of the campaigns service."""

from dataclasses import dataclass
from pathlib import Path

from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from jangkau_campaigns.config import CampaignsSettings
from jangkau_shared import db
from jangkau_shared.observability import UptimeCollector

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE = "campaigns"


@dataclass
class Campaigns:
    """The assembled service."""

    settings: CampaignsSettings
    engine: AsyncEngine
    registry: CollectorRegistry

    async def start(self) -> None:
        """Nothing to start yet beyond the pool, which connects lazily."""

    async def stop(self) -> None:
        """Close the pool."""
        await self.engine.dispose()

    async def ready(self) -> bool:
        """Return True when the database answers."""
        return await db.ping(self.engine)


def bootstrap(settings: CampaignsSettings) -> Campaigns:
    """Assemble the service; nothing connects until used."""
    registry = CollectorRegistry()
    registry.register(UptimeCollector(SERVICE))
    return Campaigns(settings=settings, engine=db.create_engine(settings), registry=registry)
