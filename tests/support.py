"""Test helpers shared by the integration and end-to-end suites."""

import asyncio
import os
import shlex
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[1]

#: Demo-only secrets for tests: never valid in production (settings refuse them there).
TEST_NIK_ENCRYPTION_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
TEST_NIK_HMAC_KEY = "test-only-hmac-key-000000000000000000"


def stack_env(profile: str = "test") -> dict[str, str]:
    """Return the connection variables ``deploy/stack.sh env`` prints for a profile."""
    out = subprocess.run(
        ["bash", str(REPO / "deploy" / "stack.sh"), "env"],
        env={**os.environ, "JANGKAU_PROFILE": profile},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    env: dict[str, str] = {}
    for line in out.splitlines():
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            env[name] = shlex.split(value)[0] if value else ""
    return env


async def eventually(
    probe: Callable[[], Awaitable[T]],
    *,
    until: Callable[[T], bool],
    timeout: float = 30.0,
    interval: float = 0.05,
    what: str = "condition",
) -> T:
    """Poll ``probe`` until ``until(result)`` holds; fail with the last result after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if until(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout}s; last value: {result!r}")
        await asyncio.sleep(interval)
