"""Test helpers shared by the integration and end-to-end suites."""

import asyncio
import importlib.util
import json
import os
import shlex
import subprocess
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TypeVar

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[1]

#: Demo-only secrets for tests: never valid in production (settings refuse them there).
TEST_NIK_ENCRYPTION_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
TEST_NIK_HMAC_KEY = "test-only-hmac-key-000000000000000000"


@dataclass(frozen=True)
class Stack:
    """Addresses of the running test stack."""

    env: dict[str, str]

    @property
    def kafka(self) -> str:
        """Bootstrap servers of the broker."""
        return self.env["JANGKAU_KAFKA_BOOTSTRAP"]

    def database_url(self, name: str) -> str:
        """SQLAlchemy URL of a database on the cluster."""
        env = self.env
        return (
            f"postgresql+asyncpg://{env['JANGKAU_PG_USER']}:{env['JANGKAU_PG_PASSWORD']}"
            f"@{env['JANGKAU_PG_HOST']}:{env['JANGKAU_PG_PORT']}/{name}"
        )

    def dsn(self, name: str) -> str:
        """asyncpg DSN of a database on the cluster."""
        return self.database_url(name).replace("postgresql+asyncpg", "postgresql")


def panel_queries() -> list[tuple[str, str, str]]:
    """Every (dashboard uid, panel title, PromQL expression) of the Grafana dashboards."""
    found = []
    for path in sorted((REPO / "deploy" / "grafana" / "dashboards").glob("*.json")):
        dashboard = json.loads(path.read_text())
        for panel in dashboard["panels"]:
            for inner in [panel, *panel.get("panels", [])]:
                found += [(dashboard["uid"], inner["title"], t["expr"]) for t in inner.get("targets", [])]
    return found


def load_script(relative: str) -> ModuleType:
    """Import a script of the repository that is not in a package (deploy/, examples/) as a module."""
    path = REPO / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def local_env() -> dict[str, str]:
    """The explicit local demo settings the services run with (deploy/local.env)."""
    pairs = {}
    for line in (REPO / "deploy" / "local.env").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


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


def log_files(state: Path, required: Collection[str] = ()) -> list[Path]:
    """Every log file (``.log`` in its name) under a profile's state dir, symlinks followed.

    ``state/pg`` is a symlink when the PostgreSQL cluster had to be placed outside the checkout
    (``/var/tmp/jangkau-<hash>/pg``, see deploy/postgres.sh): its log is found through the link,
    as ``pg/postgres.log``. Fails naming every ``required`` log (a path relative to ``state``)
    that is not there, and where a symlink on its way points to, rather than scanning less.
    """
    found = [
        Path(top, name)
        for top, _, names in os.walk(state, followlinks=True)
        for name in names
        if ".log" in name and Path(top, name).is_file()
    ]
    relative = {f.relative_to(state).as_posix() for f in found}
    missing = sorted(set(required) - relative)
    if missing:
        links = {
            f"{link.relative_to(state)} -> {link.readlink()} ({'exists' if link.exists() else 'missing'})"
            for name in missing
            for link in [state / Path(name).parts[0]]
            if link.is_symlink()
        }
        raise AssertionError(
            f"log files to scan are missing under {state}: {missing}"
            + (f"; symlinks: {sorted(links)}" if links else "")
            + f"; found {sorted(relative)}"
        )
    return found


def wait_for(
    probe: Callable[[], T],
    *,
    until: Callable[[T], bool],
    timeout: float = 30.0,
    interval: float = 0.5,
    what: str = "condition",
) -> T:
    """Blocking twin of ``eventually`` for synchronous tests."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if until(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout}s; last value: {result!r}")
        time.sleep(interval)


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
