"""Team tokens on a real database: stored hashed, scoped to branches, revocable."""

import httpx
import pytest
from fastapi import Depends, FastAPI
from sqlalchemy import MetaData, select

from jangkau_shared import db
from jangkau_shared.auth import Team, TokenStore, bearer_auth, hash_token, tokens_table
from jangkau_shared.http import install_problem_handlers
from jangkau_shared.settings import DatabaseSettings

pytestmark = pytest.mark.integration


@pytest.fixture
async def store(new_database):  # type: ignore[no-untyped-def]
    engine = db.create_engine(DatabaseSettings(database_url=await new_database()))
    metadata = MetaData()
    table = tokens_table(metadata)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield TokenStore(engine, table)
    await engine.dispose()


def _app(store: TokenStore) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/whoami")
    async def whoami(team: Team = Depends(bearer_auth(lambda: store))) -> dict[str, object]:  # noqa: B008
        return {"team": team.team, "branches": sorted(team.branches)}

    return app


async def test_a_token_is_stored_only_as_its_hash(store: TokenStore) -> None:
    token_id, token = await store.create("denpasar-booth", ["denpasar"])
    async with store._engine.connect() as conn:
        stored = (await conn.execute(select(store._table.c.token_hash))).scalars().all()
    assert stored == [hash_token(token)]
    assert token.encode() not in stored[0]
    listed = await store.list()
    assert [(i.token_id, i.team, i.branches) for i in listed] == [(token_id, "denpasar-booth", ["denpasar"])]


async def test_the_api_answers_401_without_a_token_or_with_a_revoked_one(store: TokenStore) -> None:
    token_id, token = await store.create("jambi-launch", ["jambi"])
    transport = httpx.ASGITransport(app=_app(store))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        missing = await client.get("/whoami")
        garbage = await client.get("/whoami", headers={"Authorization": "Bearer nope"})
        valid = await client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
        assert await store.revoke(token_id)
        revoked = await client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert garbage.status_code == 401
    assert valid.json() == {"team": "jambi-launch", "branches": ["jambi"]}
    assert revoked.status_code == 401


async def test_revoking_an_unknown_token_reports_false(store: TokenStore) -> None:
    token_id, _ = await store.create("x", ["*"])
    assert await store.revoke(token_id)
    assert not await store.revoke(token_id)


async def test_a_flood_of_unknown_tokens_keeps_the_lookup_cache_bounded(store: TokenStore) -> None:
    bounded = TokenStore(store._engine, store._table, cache_size=8)
    _, token = await bounded.create("jambi-launch", ["jambi"])
    for n in range(50):
        assert await bounded.authenticate(f"jk_unknown-{n}") is None
    assert len(bounded._cache) <= 8
    team = await bounded.authenticate(token)
    assert team is not None
    assert team.team == "jambi-launch"
