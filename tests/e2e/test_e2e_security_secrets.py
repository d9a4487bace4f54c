"""Secrets: production mode refuses the demo keys, naming the setting but never printing its value."""

import os
import subprocess
from pathlib import Path

import pytest
from e2e_stack import RunningStack, deploy

from support import REPO, log_files

pytestmark = pytest.mark.e2e

NIK_KEYS = ("JANGKAU_REGISTRATION_NIK_ENCRYPTION_KEY", "JANGKAU_REGISTRATION_NIK_HMAC_KEY")
#: A database URL without the demo password, so that the demo NIK keys are what is refused.
OWN_DATABASE = "postgresql+asyncpg://jangkau:Pr0d-Passw0rd-Xq81@127.0.0.1:55433/registration"


def _start(running_stack: RunningStack, service: str, port: int, **settings: str) -> str:
    """Run ``jangkau-<service> serve`` with the demo and stack settings plus ``settings``; it must refuse."""
    prefix = f"JANGKAU_{service.upper()}_"
    env = {k: v for k, v in os.environ.items() if not k.startswith("JANGKAU_")}
    env |= {k: v for k, v in running_stack.local_env.items() if k.startswith(prefix)}
    env |= {k: v for k, v in running_stack.env.items() if k.startswith(prefix)}
    env |= {f"{prefix}{name.upper()}": value for name, value in settings.items()}
    done = subprocess.run(
        [str(REPO / f".venv/bin/jangkau-{service}"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,  # a service that serves instead of refusing never exits: the run fails here
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    return output


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("database", "named"),
    [("stack", ("database_url",)), ("own", ("nik_encryption_key", "nik_hmac_key"))],
)
def test_registration_refuses_to_serve_in_production_with_the_demo_secrets(
    running_stack: RunningStack, database: str, named: tuple[str, ...]
) -> None:
    demo = running_stack.local_env
    own = {"database_url": OWN_DATABASE} if database == "own" else {}
    output = _start(running_stack, "registration", 28199, environment="production", log_json="true", **own)

    assert "demo secret" in output, output
    assert any(name in output.lower() for name in named), output
    printed = [n for n in NIK_KEYS if demo[n] in output]
    assert not printed, f"values of {printed} printed:\n{output}"
    for password in ("jangkau-local", "Pr0d-Passw0rd-Xq81"):
        assert password not in output, f"database password printed:\n{output}"
    assert demo["JANGKAU_DEMO_TOKEN"] not in output


def _secrets(running_stack: RunningStack) -> dict[str, str]:
    """Every secret value the stack runs with: demo keys and tokens, the database password, the team token."""
    demo = running_stack.local_env
    names = (*NIK_KEYS, "JANGKAU_METRICS_ADMIN_TOKEN", "JANGKAU_DEMO_TOKEN")
    return {
        **{name: demo[name] for name in names},
        "JANGKAU_PG_PASSWORD": running_stack.env["JANGKAU_PG_PASSWORD"],
        "team token": running_stack.token,
    }


def _printed(output: str, secrets: dict[str, str]) -> list[str]:
    return [name for name, value in secrets.items() if value in output]


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("service", "settings", "named"),
    [
        ("campaigns", {}, ("JANGKAU_CAMPAIGNS_DATABASE_URL",)),
        ("metrics", {}, ("JANGKAU_METRICS_DATABASE_URL", "JANGKAU_METRICS_ADMIN_TOKEN")),
        (
            "metrics",
            {"database_url": OWN_DATABASE.replace("registration", "metrics")},
            ("JANGKAU_METRICS_ADMIN_TOKEN",),
        ),
    ],
    ids=["campaigns-stack-database", "metrics-stack-database", "metrics-own-database"],
)
def test_campaigns_and_metrics_refuse_to_serve_in_production_with_the_demo_secrets(
    running_stack: RunningStack, service: str, settings: dict[str, str], named: tuple[str, ...]
) -> None:
    output = _start(running_stack, service, 28198, environment="production", **settings)

    assert "demo secrets in production" in output, output
    for variable in named:
        assert variable in output, output
    assert not _printed(output, _secrets(running_stack) | {"own password": "Pr0d-Passw0rd-Xq81"}), output


SASL_PASSWORD = "Kafka-Secr3t-of-this-test"


#: One kind of configuration error per service (each start takes seconds): every service and kind once.
@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("service", "settings", "named"),
    [
        ("registration", {"kafka_security_protocol": "SASL_SSL", "kafka_sasl_password": SASL_PASSWORD},
         "KAFKA_SASL_MECHANISM"),
        ("campaigns", {"database_sslmode": "verify-full", "database_sslrootcert": "/nowhere/ca.pem"},
         "DATABASE_SSLROOTCERT"),
        ("metrics", {"database_pool_size": "0"}, "DATABASE_POOL_SIZE"),
    ],
    ids=["registration-incomplete-sasl", "campaigns-missing-ca-file", "metrics-bad-pool-size"],
)  # fmt: skip
def test_a_configuration_error_names_the_variable_and_prints_no_secret(
    running_stack: RunningStack, service: str, settings: dict[str, str], named: str
) -> None:
    output = _start(running_stack, service, 28197, **settings)

    assert f"JANGKAU_{service.upper()}_{named}" in output, output
    assert "Traceback" not in output, output
    assert not _printed(output, _secrets(running_stack) | {"SASL password": SASL_PASSWORD}), output


def test_no_secret_is_in_any_log_of_the_running_stack(running_stack: RunningStack) -> None:
    state = REPO / ".jangkau" / "test"
    services = ("registration", "campaigns", "metrics")
    required = {f"services/{name}.log" for name in services} | {"pg/postgres.log"}
    logs = [p for p in log_files(state, required=required) if "data" not in p.relative_to(state).parts]
    secrets = _secrets(running_stack)
    found = {str(p.relative_to(REPO)): _printed(p.read_text(errors="replace"), secrets) for p in logs}
    assert not {path: hits for path, hits in found.items() if hits}


def test_the_cli_shows_its_configuration_and_the_services_their_tokens_without_the_token(
    running_stack: RunningStack, tmp_path: Path
) -> None:
    env = running_stack.cli_env | {"JANGKAU_CONFIG": str(tmp_path / "config.toml")}
    shown = subprocess.run(
        [str(REPO / ".venv/bin/jangkau"), "config", "show"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    listed = deploy("services", "exec", ".venv/bin/jangkau-registration", "tokens", "list")

    assert "token" in shown.stdout
    assert not _printed(shown.stdout + shown.stderr, _secrets(running_stack)), shown.stdout
    assert "active" in listed.stdout
    assert not _printed(listed.stdout + listed.stderr, _secrets(running_stack)), listed.stdout
