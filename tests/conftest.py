"""Fixtures: the real local stack (started or reused), and per-test databases and topics."""

import os
import subprocess
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import asyncpg
import pytest

from support import REPO, Stack, stack_env


def _stack_is_up() -> bool:
    probe = subprocess.run(
        ["bash", str(REPO / "deploy" / "stack.sh"), "is-up"],
        env={**os.environ, "JANGKAU_PROFILE": "test"},
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """The test profile's Kafka and PostgreSQL: reused when running, else started and stopped."""
    started = False
    if not _stack_is_up():
        subprocess.run(
            ["bash", str(REPO / "deploy" / "stack.sh"), "up"],
            env={**os.environ, "JANGKAU_PROFILE": "test", "JANGKAU_KAFKA_FRESH": "1"},
            check=True,
        )
        started = True
    yield Stack(stack_env("test"))
    if started:
        subprocess.run(
            ["bash", str(REPO / "deploy" / "stack.sh"), "down"],
            env={**os.environ, "JANGKAU_PROFILE": "test"},
            check=True,
        )


@pytest.fixture
async def new_database(stack: Stack) -> AsyncIterator[Callable[[], Awaitable[str]]]:
    """Make fresh, empty databases for one test (SQLAlchemy URLs); all dropped afterwards."""
    names: list[str] = []
    admin = await asyncpg.connect(stack.dsn("postgres"))

    async def make() -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        await admin.execute(f'CREATE DATABASE "{name}"')
        names.append(name)
        return stack.database_url(name)

    try:
        yield make
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
def topic_prefix() -> str:
    """A prefix that gives the test its own topics (and, through it, its own groups)."""
    return f"t{uuid.uuid4().hex[:10]}."
