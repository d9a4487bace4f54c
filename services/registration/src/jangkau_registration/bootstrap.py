"""The one composition root: builds the service from settings; tests pass their own parts."""

import asyncio
import tomllib
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from jangkau_registration.adapters.pii import PersonalDataVault
from jangkau_registration.adapters.sql import SqlUnitOfWork
from jangkau_registration.adapters.tables import api_tokens, outbox
from jangkau_registration.config import RegistrationSettings
from jangkau_registration.domain.rates import RateTable, rate_table
from jangkau_registration.ports import Places
from jangkau_registration.service import Context
from jangkau_shared import db, kafka
from jangkau_shared.auth import TokenStore
from jangkau_shared.observability import UptimeCollector
from jangkau_shared.outbox import OutboxRelay, RelayCollector
from jangkau_shared.places import ReferencePlaces, build_index

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE = "registration"
RATES = Path(__file__).parent / "rates.toml"


def load_rates(path: Path | None = None) -> RateTable:
    """Read the rate table from ``path`` (the packaged rates.toml by default)."""
    return rate_table(tomllib.loads((path or RATES).read_text("utf-8")))


def utc_now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


@dataclass
class Registration:
    """The assembled service: engine, vault, relay and metrics registry."""

    settings: RegistrationSettings
    engine: AsyncEngine
    vault: PersonalDataVault
    relay: OutboxRelay
    registry: CollectorRegistry
    tokens: TokenStore
    rates: RateTable
    places: Places = field(default_factory=ReferencePlaces)
    now: Callable[[], datetime] = utc_now
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _relay_task: asyncio.Task[None] | None = None

    def uow(self) -> SqlUnitOfWork:
        """Return a fresh unit of work; committing events wakes the relay."""
        return SqlUnitOfWork(
            self.engine,
            self.vault,
            source=self.settings.event_source,
            topic_prefix=self.settings.kafka_topic_prefix,
            on_events_committed=self.relay.wake,
        )

    def context(self) -> Context:
        """Return what the use cases need, wired to this service's adapters."""
        return Context(
            uow=self.uow, places=self.places, fingerprints=self.vault, rates=self.rates, now=self.now
        )

    async def start(self) -> None:
        """Connect the producer and start the relay when configured to."""
        await build_index()
        if self.settings.run_relay:
            await kafka.ensure_topics(self.settings)
            await self.relay.start()
            self._relay_task = asyncio.create_task(self.relay.run(self._stop), name="outbox-relay")

    async def stop(self) -> None:
        """Stop the relay, flush the producer and close the pool."""
        self._stop.set()
        if self._relay_task is not None:
            with suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._relay_task, timeout=10)
        await self.relay.stop()
        await self.engine.dispose()

    async def ready(self) -> bool:
        """Return True when the database answers."""
        return await db.ping(self.engine)


def bootstrap(settings: RegistrationSettings) -> Registration:
    """Assemble the service; nothing connects until ``start``."""
    engine = db.create_engine(settings)
    vault = PersonalDataVault(
        encryption_key_b64=settings.nik_encryption_key.get_secret_value(),
        hmac_key=settings.nik_hmac_key.get_secret_value(),
    )
    relay = OutboxRelay(engine, lambda: kafka.create_producer(settings), outbox)
    registry = CollectorRegistry()
    registry.register(UptimeCollector(SERVICE))
    registry.register(RelayCollector(SERVICE, relay.stats))
    return Registration(
        settings=settings,
        engine=engine,
        vault=vault,
        relay=relay,
        registry=registry,
        tokens=TokenStore(engine, api_tokens),
        rates=load_rates(settings.rates_file),
    )
