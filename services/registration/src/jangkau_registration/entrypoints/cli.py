"""Command line of the registration service: serve, migrate, relay, tokens."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from jangkau_registration.adapters.tables import api_tokens
from jangkau_registration.bootstrap import MIGRATIONS, bootstrap
from jangkau_registration.config import RegistrationSettings
from jangkau_shared import db
from jangkau_shared.auth import TokenStore
from jangkau_shared.auth_cli import tokens_cli
from jangkau_shared.cli import service_cli, settings_loader

settings = settings_loader("registration", RegistrationSettings)
app = service_cli(
    service="registration",
    settings=settings,
    migrations=MIGRATIONS,
    default_port=8101,
    app_factory="jangkau_registration.entrypoints.http:create_app",
)


@asynccontextmanager
async def _token_store() -> AsyncIterator[TokenStore]:
    engine = db.create_engine(settings())
    try:
        yield TokenStore(engine, api_tokens)
    finally:
        await engine.dispose()


app.add_typer(tokens_cli(_token_store), name="tokens")


@app.command()
def relay() -> None:
    """Run only the outbox relay (for deployments that run it apart from the API)."""

    async def _run() -> None:
        reg = bootstrap(settings())
        await reg.relay.start()
        try:
            await reg.relay.run(asyncio.Event())
        finally:
            await reg.stop()

    asyncio.run(_run())
