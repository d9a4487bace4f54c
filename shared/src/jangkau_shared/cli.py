"""The commands every service has (serve, migrate), built once for all three."""

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import typer
import uvicorn

from jangkau_shared import db
from jangkau_shared.observability import configure_logging
from jangkau_shared.runtime import tune_gc
from jangkau_shared.settings import ConfigurationError, DatabaseSettings, ServiceSettings, load_settings

S = TypeVar("S", bound=ServiceSettings)


def settings_loader(service: str, cls: type[S]) -> Callable[[], S]:
    """Return a loader that prints a configuration error and exits 2 instead of a traceback."""

    def load() -> S:
        try:
            settings = load_settings(cls)
        except ConfigurationError as err:
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(2) from None
        configure_logging(service, settings)
        return settings

    return load


def service_cli(
    *,
    service: str,
    settings: Callable[[], ServiceSettings],
    app_factory: str,
    migrations: Path,
    default_port: int,
) -> typer.Typer:
    """Build a Typer app with ``serve`` and ``migrate`` for one service."""
    cli = typer.Typer(
        help=f"Jangkau {service} service. Settings come from JANGKAU_{service.upper()}_* variables.",
        no_args_is_help=True,
    )

    @cli.command()
    def serve(
        host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
        port: int = typer.Option(default_port, help="TCP port."),
    ) -> None:
        """Serve the HTTP API, /metrics and health checks until stopped (SIGTERM is graceful)."""
        settings()
        tune_gc()
        uvicorn.run(app_factory, factory=True, host=host, port=port, log_level="warning", access_log=False)

    @cli.command()
    def migrate() -> None:
        """Bring the database schema to the newest alembic revision (safe to run again)."""
        loaded = settings()
        assert isinstance(loaded, DatabaseSettings)
        asyncio.run(_migrate(loaded, migrations))
        typer.echo(f"{service} database is up to date")

    return cli


async def _migrate(settings: DatabaseSettings, migrations: Path) -> None:
    engine = db.create_engine(settings)
    try:
        await db.upgrade(engine, migrations)
    finally:
        await engine.dispose()
