"""Command line of the registration service: serve, migrate, relay, tokens."""

import asyncio

from jangkau_registration.adapters.tables import api_tokens
from jangkau_registration.bootstrap import MIGRATIONS, bootstrap
from jangkau_registration.config import RegistrationSettings
from jangkau_shared.auth_cli import database_token_store, tokens_cli
from jangkau_shared.cli import service_cli, settings_loader

settings = settings_loader("registration", RegistrationSettings)
app = service_cli(
    service="registration",
    settings=settings,
    migrations=MIGRATIONS,
    default_port=8101,
    app_factory="jangkau_registration.entrypoints.http:create_app",
)


app.add_typer(tokens_cli(database_token_store(settings, api_tokens)), name="tokens")


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
