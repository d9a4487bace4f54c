"""Fixtures of the registration integration tests: a migrated service with team tokens."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from registration_helpers import Api, bearer

from jangkau_registration.bootstrap import MIGRATIONS, Registration, bootstrap
from jangkau_registration.config import RegistrationSettings
from jangkau_registration.entrypoints.http import create_app
from jangkau_shared import db
from support import TEST_NIK_ENCRYPTION_KEY, TEST_NIK_HMAC_KEY


@pytest.fixture
async def make_registration(
    stack: Any, new_database: Callable[[], Awaitable[str]], topic_prefix: str
) -> AsyncIterator[Callable[..., Awaitable[Registration]]]:
    """Build migrated registration services on one fresh database; stopped afterwards."""
    url = await new_database()
    built: list[Registration] = []

    async def make(*, run_relay: bool = False) -> Registration:
        settings = RegistrationSettings(
            environment="test",
            kafka_bootstrap_servers=stack.kafka,
            kafka_topic_prefix=topic_prefix,
            database_url=url,
            nik_encryption_key=TEST_NIK_ENCRYPTION_KEY,
            nik_hmac_key=TEST_NIK_HMAC_KEY,
            run_relay=run_relay,
        )
        reg = bootstrap(settings)
        await db.upgrade(reg.engine, MIGRATIONS)
        await reg.start()
        built.append(reg)
        return reg

    yield make
    for reg in built:
        await reg.stop()


@pytest.fixture
async def api(make_registration: Callable[..., Awaitable[Registration]]) -> AsyncIterator[Api]:
    """The registration API (relay off) with tokens for Denpasar, Jambi and every branch."""
    reg = await make_registration()
    _, denpasar = await reg.tokens.create("denpasar-booth", ["denpasar"])
    _, jambi = await reg.tokens.create("jambi-launch", ["jambi"])
    _, everywhere = await reg.tokens.create("ops", ["*"])
    transport = httpx.ASGITransport(app=create_app(reg))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield Api(reg, http, bearer(denpasar), bearer(jambi), bearer(everywhere))
