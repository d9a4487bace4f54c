"""The whole test-profile stack: Kafka, PostgreSQL, Prometheus and the three services."""

import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from support import REPO, Stack, local_env

#: Settings the e2e stack's services run with on top of deploy/local.env: consumer lag measured
#: every second, so a burst's lag shows on /metrics while it lasts; the count rows compacted every
#: two seconds, so every fault test runs with compaction beside the folds it checks.
SERVICE_ENV = {"JANGKAU_METRICS_LAG_INTERVAL_SECONDS": "1", "JANGKAU_METRICS_COMPACT_SECONDS": "2"}


def deploy(script: str, *args: str, timeout: float | None = 180) -> subprocess.CompletedProcess[str]:
    """Run ``deploy/<script>.sh ARGS`` for the test profile; fail with its output if it fails."""
    env = {**os.environ, **SERVICE_ENV, "JANGKAU_PROFILE": "test"}
    env.pop("JANGKAU_KAFKA_FRESH", None)  # a restart must keep the broker's data
    done = subprocess.run(
        ["bash", f"deploy/{script}.sh", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    assert done.returncode == 0, f"deploy/{script}.sh {' '.join(args)}: {done.stdout}{done.stderr}"
    return done


def team_token(team: str, branch: str) -> tuple[str, str, str]:
    """A new team token for ``branch``, valid in registration and campaigns.

    Returns (token, its id in registration, its id in campaigns).
    """
    create = ("tokens", "create", "--team", team, "--branch", branch)
    made = deploy("services", "exec", ".venv/bin/jangkau-registration", *create).stdout
    token = re.search(r"token:\s+(\S+)", made)
    registration_id = re.search(r"token id:\s+(\S+)", made)
    assert token, made
    assert registration_id, made
    again = deploy(
        "services", "exec", ".venv/bin/jangkau-campaigns", *create, "--token", token.group(1)
    ).stdout
    campaigns_id = re.search(r"token id:\s+(\S+)", again)
    assert campaigns_id, again
    return token.group(1), registration_id.group(1), campaigns_id.group(1)


@dataclass(frozen=True)
class RunningStack(Stack):
    """The test stack with its services running, and a team token valid in registration and campaigns."""

    token: str

    @property
    def cli_env(self) -> dict[str, str]:
        """Environment for the ``jangkau`` command."""
        names = ("JANGKAU_REGISTRATION_URL", "JANGKAU_CAMPAIGNS_URL", "JANGKAU_METRICS_URL")
        return {
            **os.environ,
            **{n: self.env[n] for n in names},
            "JANGKAU_TOKEN": self.token,
            "JANGKAU_CONFIG": str(REPO / ".jangkau" / "test" / "e2e-cli.toml"),
            "COLUMNS": "160",
        }

    @property
    def local_env(self) -> dict[str, str]:
        """The demo settings the services run with (deploy/local.env)."""
        return local_env()

    def url(self, service: str) -> str:
        """Base URL of a service (registration, campaigns, metrics, prometheus)."""
        return self.env[f"JANGKAU_{service.upper()}_URL"]

    @property
    def metrics_urls(self) -> list[str]:
        """Base URLs of every metrics instance; the first is ``url("metrics")``.

        ``JANGKAU_METRICS_INSTANCES=N`` in pytest's environment starts N (deploy/services.sh):
        instance i listens on the first one's port + i - 1.
        """
        first = urlsplit(self.url("metrics"))
        assert first.port is not None
        count = int(os.environ.get("JANGKAU_METRICS_INSTANCES", "1"))
        return [f"{first.scheme}://{first.hostname}:{first.port + i}" for i in range(count)]


def _running(component: str, env: dict[str, str]) -> bool:
    script = "services.sh" if component == "services" else f"{component}.sh"
    probe = subprocess.run(["bash", f"deploy/{script}", "status"], env=env, cwd=REPO, capture_output=True)
    return probe.returncode == 0


@pytest.fixture(scope="session")
def running_stack(stack: Stack) -> Iterator[RunningStack]:
    """Start Prometheus and the services of the test profile unless running; stop what was started."""
    env = {**os.environ, **SERVICE_ENV, "JANGKAU_PROFILE": "test"}
    had = {c: _running(c, env) for c in ("prometheus", "services")}
    deploy("stack", "up", "--with-prometheus", "--with-services", timeout=None)
    token, _, _ = team_token(f"e2e-{uuid.uuid4().hex[:8]}", "*")
    yield RunningStack({**stack.env}, token)
    if not had["services"]:
        deploy("services", "stop", timeout=None)
    if not had["prometheus"]:
        deploy("prometheus", "stop", timeout=None)
