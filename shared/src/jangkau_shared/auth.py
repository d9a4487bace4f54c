"""Team bearer tokens scoped to branches: stored hashed, created and revoked by a command."""

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from cachetools import TTLCache
from fastapi import HTTPException, Request
from sqlalchemy import (
    ARRAY,
    Column,
    DateTime,
    LargeBinary,
    MetaData,
    Table,
    Text,
    Uuid,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncEngine

TOKEN_PREFIX = "jk_"  # noqa: S105 - a marker, not a secret
_CACHE_SECONDS = 5.0
#: Lookups kept at most; bounds memory when clients send many unknown tokens.
_CACHE_SIZE = 10_000


def tokens_table(metadata: MetaData) -> Table:
    """Define the ``api_tokens`` table in a service's metadata."""
    return Table(
        "api_tokens",
        metadata,
        Column("token_id", Uuid, primary_key=True),
        Column("team", Text, nullable=False),
        Column("branches", ARRAY(Text), nullable=False),
        Column("token_hash", LargeBinary, nullable=False, unique=True),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("revoked_at", DateTime(timezone=True)),
    )


def hash_token(token: str) -> bytes:
    """Return the stored form of a token (tokens are 256-bit random, so a plain SHA-256 suffices)."""
    return hashlib.sha256(token.encode()).digest()


@dataclass(frozen=True)
class Team:
    """The caller a valid token identifies, and the branches it may act for."""

    token_id: UUID
    team: str
    branches: frozenset[str]

    def may_act_for(self, branch: str) -> bool:
        """Return True when the team may read or write ``branch``'s data ("*" means every branch)."""
        return "*" in self.branches or branch in self.branches


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed to an operator: never the token itself."""

    token_id: UUID
    team: str
    branches: list[str]
    created_at: datetime
    revoked_at: datetime | None


class TokenStore:
    """Tokens in the service's own database; lookups are cached for a few seconds."""

    def __init__(self, engine: AsyncEngine, table: Table, *, cache_size: int = _CACHE_SIZE) -> None:
        self._engine, self._table = engine, table
        self._cache: TTLCache[bytes, Team | None] = TTLCache(maxsize=cache_size, ttl=_CACHE_SECONDS)

    async def create(self, team: str, branches: list[str], token: str | None = None) -> tuple[UUID, str]:
        """Store a new token for ``team``; return its id and the token (shown once)."""
        if not branches:
            raise ValueError("a token needs at least one branch (or '*')")
        token = token or TOKEN_PREFIX + secrets.token_urlsafe(32)
        token_id = uuid4()
        row = {
            "token_id": token_id,
            "team": team,
            "branches": sorted(set(branches)),
            "token_hash": hash_token(token),
        }
        async with self._engine.begin() as conn:
            await conn.execute(insert(self._table).values(row))
        return token_id, token

    async def list(self) -> list[TokenInfo]:
        """Return every token's metadata, newest first."""
        t = self._table
        query = select(t.c.token_id, t.c.team, t.c.branches, t.c.created_at, t.c.revoked_at)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query.order_by(t.c.created_at.desc()))).all()
        return [TokenInfo(r.token_id, r.team, list(r.branches), r.created_at, r.revoked_at) for r in rows]

    async def revoke(self, token_id: UUID) -> bool:
        """Revoke a token; return False when no active token has that id."""
        t = self._table
        query = (
            update(t).where(t.c.token_id == token_id, t.c.revoked_at.is_(None)).values(revoked_at=func.now())
        )
        async with self._engine.begin() as conn:
            revoked = (await conn.execute(query)).rowcount > 0
        self._cache.clear()
        return revoked

    async def authenticate(self, token: str) -> Team | None:
        """Return the team of an active token, or None."""
        digest = hash_token(token)
        if digest in self._cache:
            return self._cache[digest]
        t = self._table
        query = select(t.c.token_id, t.c.team, t.c.branches).where(
            t.c.token_hash == digest, t.c.revoked_at.is_(None)
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).one_or_none()
        team = Team(row.token_id, row.team, frozenset(row.branches)) if row else None
        self._cache[digest] = team
        return team


def bearer_auth(store: Callable[[], TokenStore]) -> Callable[[Request], Awaitable[Team]]:
    """Return a FastAPI dependency that answers 401 unless the request has an active token."""

    async def authenticate(request: Request) -> Team:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("send 'Authorization: Bearer <team token>'")
        team = await store().authenticate(token.strip())
        if team is None:
            raise _unauthorized("the token is unknown or revoked")
        return team

    return authenticate


def forbidden(branch: str) -> HTTPException:
    """Return the 403 for a branch outside the caller's scope."""
    return HTTPException(403, detail=f"branch: this token may not act for branch {branch!r}")


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail=detail, headers={"WWW-Authenticate": "Bearer"})
