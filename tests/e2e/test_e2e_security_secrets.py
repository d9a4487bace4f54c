"""Secrets: production mode refuses the demo keys, naming the setting but never printing its value."""

import os
import subprocess
import time

import pytest
from e2e_stack import RunningStack

from support import REPO

pytestmark = pytest.mark.e2e

NIK_KEYS = ("JANGKAU_REGISTRATION_NIK_ENCRYPTION_KEY", "JANGKAU_REGISTRATION_NIK_HMAC_KEY")
#: A database URL without the demo password, so that the demo NIK keys are what is refused.
OWN_DATABASE = "postgresql+asyncpg://jangkau:Pr0d-Passw0rd-Xq81@127.0.0.1:55433/registration"


def _local_env() -> dict[str, str]:
    values = {}
    for line in (REPO / "deploy" / "local.env").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("database", "named"),
    [("stack", ("database_url",)), ("own", ("nik_encryption_key", "nik_hmac_key"))],
)
def test_registration_refuses_to_serve_in_production_with_the_demo_secrets(
    running_stack: RunningStack, database: str, named: tuple[str, ...]
) -> None:
    demo = _local_env()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JANGKAU_")}
    env |= {k: v for k, v in demo.items() if k.startswith("JANGKAU_REGISTRATION_")}
    env |= {k: v for k, v in running_stack.env.items() if k.startswith("JANGKAU_REGISTRATION_")}
    if database == "own":
        env["JANGKAU_REGISTRATION_DATABASE_URL"] = OWN_DATABASE
    env |= {"JANGKAU_REGISTRATION_ENVIRONMENT": "production", "JANGKAU_REGISTRATION_LOG_JSON": "true"}
    started = time.monotonic()
    done = subprocess.run(
        [str(REPO / ".venv/bin/jangkau-registration"), "serve", "--host", "127.0.0.1", "--port", "28199"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    took = time.monotonic() - started
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert took < 30, f"took {took:.1f}s to refuse"
    assert "demo secret" in output, output
    assert any(name in output.lower() for name in named), output
    printed = [n for n in NIK_KEYS if demo[n] in output]
    assert not printed, f"values of {printed} printed:\n{output}"
    for password in ("jangkau-local", "Pr0d-Passw0rd-Xq81"):
        assert password not in output, f"database password printed:\n{output}"
    assert demo["JANGKAU_DEMO_TOKEN"] not in output
