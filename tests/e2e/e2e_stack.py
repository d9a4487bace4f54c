"""The whole test-profile stack: Kafka, PostgreSQL, Prometheus and the three services."""

import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from support import REPO, Stack

#: Settings the e2e stack's services run with on top of deploy/local.env: consumer lag measured
#: every second, so a burst's lag shows on /metrics while it lasts.
SERVICE_ENV = {"JANGKAU_METRICS_LAG_INTERVAL_SECONDS": "1"}


def _run(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


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
        lines = (REPO / "deploy" / "local.env").read_text().splitlines()
        pairs = [line.split("=", 1) for line in lines if "=" in line and not line.startswith("#")]
        return {name.strip(): value.strip() for name, value in pairs}

    def url(self, service: str) -> str:
        """Base URL of a service (registration, campaigns, metrics, prometheus)."""
        return self.env[f"JANGKAU_{service.upper()}_URL"]


def _running(component: str, env: dict[str, str]) -> bool:
    script = "services.sh" if component == "services" else f"{component}.sh"
    probe = subprocess.run(["bash", f"deploy/{script}", "status"], env=env, cwd=REPO, capture_output=True)
    return probe.returncode == 0


@pytest.fixture(scope="session")
def running_stack(stack: Stack) -> Iterator[RunningStack]:
    """Start Prometheus and the services of the test profile unless running; stop what was started."""
    env = {**os.environ, **SERVICE_ENV, "JANGKAU_PROFILE": "test"}
    had = {c: _running(c, env) for c in ("prometheus", "services")}
    _run("bash", "deploy/stack.sh", "up", "--with-prometheus", "--with-services", env=env)
    created = _run(
        "bash",
        "deploy/services.sh",
        "exec",
        ".venv/bin/jangkau-registration",
        "tokens",
        "create",
        "--team",
        f"e2e-{uuid.uuid4().hex[:8]}",
        "--branch",
        "*",
        env=env,
    )
    match = re.search(r"token:\s+(\S+)", created)
    assert match, created
    token = match.group(1)
    _run(
        "bash",
        "deploy/services.sh",
        "exec",
        ".venv/bin/jangkau-campaigns",
        "tokens",
        "create",
        "--team",
        "e2e",
        "--branch",
        "*",
        "--token",
        token,
        env=env,
    )
    yield RunningStack({**stack.env}, token)
    if not had["services"]:
        _run("bash", "deploy/services.sh", "stop", env=env)
    if not had["prometheus"]:
        _run("bash", "deploy/prometheus.sh", "stop", env=env)
