"""The ``tokens`` command group (create, list, revoke) shared by the services that take tokens."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated
from uuid import UUID

import typer
from sqlalchemy import Table

from jangkau_shared import db
from jangkau_shared.auth import TokenStore
from jangkau_shared.settings import DatabaseSettings

OpenStore = Callable[[], AbstractAsyncContextManager[TokenStore]]


def database_token_store(settings: Callable[[], DatabaseSettings], table: Table) -> OpenStore:
    """Return an opener of the token store in a service's own database (one engine per command)."""

    @asynccontextmanager
    async def open_store() -> AsyncIterator[TokenStore]:
        engine = db.create_engine(settings())
        try:
            yield TokenStore(engine, table)
        finally:
            await engine.dispose()

    return open_store


def tokens_cli(open_store: OpenStore) -> typer.Typer:
    """Build the ``tokens`` command group around a way to open the service's token store."""
    cli = typer.Typer(help="Create, list and revoke campaign-team tokens.", no_args_is_help=True)

    def run(action: Callable[[TokenStore], Awaitable[None]]) -> None:
        async def _go() -> None:
            async with open_store() as store:
                await action(store)

        asyncio.run(_go())

    @cli.command()
    def create(
        team: Annotated[str, typer.Option(help="Team name, e.g. 'denpasar-booth-1'.")],
        branch: Annotated[list[str], typer.Option(help="Branch the team may act for (repeat; '*' = all).")],
        token: Annotated[str | None, typer.Option(help="Install this token instead of a new one.")] = None,
    ) -> None:
        """Create a token; it is printed once and stored only as a hash.

        Example: tokens create --team denpasar-booth --branch denpasar
        """
        run(lambda store: _create(store, team, branch, token))

    @cli.command("list")
    def list_tokens() -> None:
        """List tokens (id, team, branches, state) without the tokens themselves."""
        run(_list)

    @cli.command()
    def revoke(token_id: Annotated[UUID, typer.Argument(help="Id shown by 'tokens list'.")]) -> None:
        """Revoke a token at once (cached lookups expire within seconds)."""
        run(lambda store: _revoke(store, token_id))

    return cli


async def _create(store: TokenStore, team: str, branches: list[str], token: str | None) -> None:
    token_id, value = await store.create(team, branches, token)
    typer.echo(f"token id: {token_id}\ntoken:    {value}\n(store it now: it is not shown again)")


async def _list(store: TokenStore) -> None:
    for info in await store.list():
        state = f"revoked {info.revoked_at:%Y-%m-%d}" if info.revoked_at else "active"
        typer.echo(f"{info.token_id}  {info.team:<24} {','.join(info.branches):<30} {state}")


async def _revoke(store: TokenStore, token_id: UUID) -> None:
    if not await store.revoke(token_id):
        typer.echo(f"error: no active token {token_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {token_id}")
