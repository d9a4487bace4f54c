"""PostgreSQL helpers: the async engine factory and alembic migrations run from code."""

import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from jangkau_shared.settings import DatabaseSettings


def tls(settings: DatabaseSettings) -> str | ssl.SSLContext:
    """asyncpg's ``ssl`` argument: the sslmode itself, or a context that verifies as the mode says.

    As in libpq: require encrypts without checking the server unless a root certificate is given;
    verify-ca checks the CA; verify-full also checks that the certificate names the host.
    """
    mode = settings.database_sslmode
    if mode in ("disable", "allow", "prefer"):
        return mode
    root = settings.database_sslrootcert
    context = ssl.create_default_context(cafile=str(root) if root else None)
    context.check_hostname = mode == "verify-full"
    if mode == "require" and root is None:
        context.verify_mode = ssl.CERT_NONE
    if settings.database_sslcert:
        password = settings.database_sslpassword
        context.load_cert_chain(
            settings.database_sslcert,
            settings.database_sslkey,
            password.get_secret_value() if password else None,
        )
    return context


#: Session settings of every connection. PostgreSQL caches a generic plan for a prepared statement
#: after five executions; for a table created empty that plan was costed while the table was tiny,
#: and ``WHERE id = ANY($1)`` stayed a sequential scan as the table grew (a second per batch at
#: 200,000 rows, docs/performance.md). A custom plan per execution costs well under a millisecond.
SERVER_SETTINGS: dict[str, str] = {"plan_cache_mode": "force_custom_plan"}


def create_engine(settings: DatabaseSettings, **overrides: Any) -> AsyncEngine:
    """Return a pooled async engine for the service's own database (connects lazily)."""
    options: dict[str, Any] = {
        "pool_size": settings.database_pool_size,
        "max_overflow": settings.database_pool_size,
        "pool_pre_ping": True,
        "connect_args": {"ssl": tls(settings), "server_settings": SERVER_SETTINGS},
    }
    return create_async_engine(settings.database_url.get_secret_value(), **(options | overrides))


async def ping(engine: AsyncEngine) -> bool:
    """Return True when the database answers a trivial query."""
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except (OSError, SQLAlchemyError):
        return False
    return True


# alembic is imported where it is used: a serving process never migrates, and importing it
# costs a tenth of a service's start.


async def upgrade(engine: AsyncEngine, script_location: Path, revision: str = "head") -> None:
    """Migrate the engine's database up to ``revision`` (the newest by default)."""
    from alembic import command

    await _alembic(engine, script_location, command.upgrade, revision)


async def downgrade(engine: AsyncEngine, script_location: Path, revision: str) -> None:
    """Migrate the engine's database down to ``revision``: each later migration's downgrade runs."""
    from alembic import command

    await _alembic(engine, script_location, command.downgrade, revision)


async def _alembic(
    engine: AsyncEngine, script_location: Path, action: Callable[..., None], revision: str
) -> None:
    """Run an alembic command in one transaction on a connection of that engine."""
    from alembic.config import Config

    config = Config()  # built in code: no alembic.ini
    config.set_main_option("script_location", str(script_location))

    def _run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        action(config, revision)

    async with engine.begin() as conn:
        await conn.run_sync(_run)


def run_migrations(target_metadata: MetaData) -> None:
    """Body of every service's alembic ``env.py``: migrate on the connection ``upgrade`` passes."""
    from alembic import context

    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations with the service's `migrate` command (jangkau_shared.db.upgrade)")
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
