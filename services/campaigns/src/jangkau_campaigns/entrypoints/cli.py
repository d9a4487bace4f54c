"""Command line of the campaigns service: serve, migrate, relay, demo load, tokens."""

import asyncio

import typer

from jangkau_campaigns.adapters.tables import api_tokens
from jangkau_campaigns.bootstrap import MIGRATIONS, Campaigns, bootstrap
from jangkau_campaigns.config import CampaignsSettings
from jangkau_campaigns.demo import load_demo
from jangkau_shared.auth_cli import database_token_store, tokens_cli
from jangkau_shared.cli import service_cli, settings_loader

settings = settings_loader("campaigns", CampaignsSettings)
app = service_cli(
    service="campaigns",
    settings=settings,
    migrations=MIGRATIONS,
    default_port=8102,
    app_factory="jangkau_campaigns.entrypoints.http:create_app",
)


app.add_typer(tokens_cli(database_token_store(settings, api_tokens)), name="tokens")
demo = typer.Typer(help="Demo data from the field reports.", no_args_is_help=True)
app.add_typer(demo, name="demo")


def _offline() -> Campaigns:
    """The service without relay or consumers: commands write the database (and its outbox) only."""
    return bootstrap(settings().model_copy(update={"run_relay": False, "run_consumer": False}))


@demo.command("load")
def demo_load() -> None:
    """Plan, hold and close the demo campaigns (safe to run again: done steps are skipped)."""

    async def _run() -> list[str]:
        svc = _offline()
        try:
            return await load_demo(svc.uow, svc.now, svc.places)
        finally:
            await svc.engine.dispose()

    done = asyncio.run(_run())
    for line in done:
        typer.echo(line)
    typer.echo(f"demo campaigns loaded ({len(done)} steps done; events are in the outbox)")


@app.command()
def relay() -> None:
    """Run only the outbox relay (for deployments that run it apart from the API)."""

    async def _run() -> None:
        svc = _offline()
        await svc.relay.start()
        try:
            await svc.relay.run(asyncio.Event())
        finally:
            await svc.relay.stop()
            await svc.engine.dispose()

    asyncio.run(_run())
