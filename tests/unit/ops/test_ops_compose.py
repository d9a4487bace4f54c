"""docker-compose.yml and the service Dockerfiles, checked without a Docker engine."""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from jangkau_campaigns.config import CampaignsSettings
from jangkau_metrics.config import MetricsSettings
from jangkau_registration.config import RegistrationSettings
from support import REPO, local_env

SERVICES: dict[str, type[BaseSettings]] = {
    "registration": RegistrationSettings,
    "campaigns": CampaignsSettings,
    "metrics": MetricsSettings,
}
SERVICE_NAMES = list(SERVICES)
#: The second metrics replica: the metrics service again, like `JANGKAU_METRICS_INSTANCES=2 make up`.
METRICS_REPLICA = "metrics-2"
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - inside a container the service must listen on every interface


def _compose() -> dict[str, Any]:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


COMPOSE = _compose()


def _dockerfile(name: str) -> str:
    return (REPO / "services" / name / "Dockerfile").read_text()


def _instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    pairs = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            word, _, rest = stripped.partition(" ")
            pairs.append((word.upper(), rest.strip()))
    return pairs


def _dev_port(name: str) -> int:
    lib = (REPO / "deploy" / "lib.sh").read_text()
    short = {"registration": "reg", "campaigns": "camp", "metrics": "met"}[name]
    dev_block = lib.split("dev)", 1)[1].split(";;", 1)[0]
    match = re.search(rf"_jk_def_{short}=(\d+)", dev_block)
    assert match, f"no dev port for {name} in deploy/lib.sh"
    return int(match.group(1))


def _command_lines(command: list[str]) -> list[list[str]]:
    """Split ``sh -c 'a && exec b'`` into the argument lists of a and b."""
    assert command[:2] == ["sh", "-c"], command
    return [shlex.split(part.replace("exec ", "", 1)) for part in command[2].split("&&")]


def test_the_compose_file_runs_kafka_postgres_the_services_prometheus_and_grafana() -> None:
    services = COMPOSE["services"]
    assert set(services) == {"kafka", "postgres", *SERVICE_NAMES, METRICS_REPLICA, "prometheus", "grafana"}
    assert services["kafka"]["image"] == "apache/kafka:4.1.1"
    assert services["postgres"]["image"] == "postgres:15"
    assert services["prometheus"]["image"].startswith("prom/prometheus:")
    assert services["grafana"]["image"].startswith("grafana/grafana:")


def test_kafka_runs_in_kraft_mode_as_one_broker_and_controller() -> None:
    env = COMPOSE["services"]["kafka"]["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:9093"
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"].split(",")
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"


@pytest.mark.parametrize(
    "service", ["kafka", "postgres", *SERVICE_NAMES, METRICS_REPLICA, "prometheus", "grafana"]
)
def test_every_container_has_a_health_check(service: str) -> None:
    check = COMPOSE["services"][service].get("healthcheck", {})
    assert check.get("test"), f"{service} has no healthcheck"
    assert check.get("interval")
    assert check.get("retries")


def test_every_mounted_file_and_build_path_exists() -> None:
    for name, service in COMPOSE["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (REPO / source).exists(), f"{name} mounts missing {source}"
        if "build" in service:
            context = REPO / service["build"]["context"]
            assert (context / service["build"]["dockerfile"]).is_file(), name


def test_the_postgres_init_script_creates_every_service_database() -> None:
    mount = next(v for v in COMPOSE["services"]["postgres"]["volumes"] if "initdb" in v)
    script = (REPO / mount.split(":", 1)[0]).read_text()
    created = re.findall(r"CREATE DATABASE (\w+) OWNER jangkau;", script)
    assert sorted(created) == sorted(SERVICE_NAMES)
    assert COMPOSE["services"]["postgres"]["environment"]["POSTGRES_USER"] == "jangkau"


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_service_environment_is_exactly_fields_of_its_settings_class(name: str) -> None:
    settings_cls = SERVICES[name]
    prefix = f"JANGKAU_{name.upper()}_"
    env = COMPOSE["services"][name]["environment"]
    fields = settings_cls.model_fields
    unknown = [
        key for key in env if not key.startswith(prefix) or key.removeprefix(prefix).lower() not in fields
    ]
    assert unknown == [], f"not settings of {settings_cls.__name__}: {unknown}"
    required = {f"{prefix}{field.upper()}" for field, info in fields.items() if info.is_required()}
    assert required <= set(env), f"required settings missing: {sorted(required - set(env))}"


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_service_environment_loads_into_its_settings_class(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_cls = SERVICES[name]
    for key in list(os.environ):
        if key.startswith("JANGKAU_"):
            monkeypatch.delenv(key)
    for key, value in COMPOSE["services"][name]["environment"].items():
        monkeypatch.setenv(key, str(value))
    settings = settings_cls()
    assert settings.environment == "local"  # type: ignore[attr-defined]
    assert settings.kafka_bootstrap_servers == "kafka:9092"  # type: ignore[attr-defined]
    url = settings.database_url.get_secret_value()  # type: ignore[attr-defined]
    assert url.startswith("postgresql+asyncpg://jangkau:")
    assert url.endswith(f"@postgres:5432/{name}")


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_service_environment_uses_the_local_stack_demo_values(name: str) -> None:
    local = {k: v for k, v in local_env().items() if k.startswith(f"JANGKAU_{name.upper()}_")}
    env = {k: str(v) for k, v in COMPOSE["services"][name]["environment"].items()}
    assert local, f"deploy/local.env has no settings for {name}"
    assert {k: env.get(k) for k in local} == local


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_services_wait_for_healthy_kafka_and_postgres(name: str) -> None:
    depends = COMPOSE["services"][name]["depends_on"]
    assert depends["kafka"]["condition"] == "service_healthy"
    assert depends["postgres"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_containers_migrate_then_serve_like_the_local_stack(name: str) -> None:
    port = _dev_port(name)
    cmd = next(args for word, args in _instructions(_dockerfile(name)) if word == "CMD")
    image_command = json.loads(cmd)
    assert COMPOSE["services"][name]["command"] == image_command
    assert _command_lines(image_command) == [
        [f"jangkau-{name}", "migrate"],
        [f"jangkau-{name}", "serve", "--host", ALL_INTERFACES, "--port", str(port)],
    ]
    local = (REPO / "deploy" / "services.sh").read_text()
    assert '"$bin" migrate' in local
    assert re.search(r'"\$bin" serve --host \S+ --port "\$port"', local)


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_ports_agree_across_cli_dockerfile_compose_and_prometheus(name: str) -> None:
    port = _dev_port(name)
    cli = REPO / "services" / name / "src" / f"jangkau_{name}" / "entrypoints" / "cli.py"
    assert f"default_port={port}," in cli.read_text(), f"{cli}: serve's default port is not {port}"
    dockerfile = _dockerfile(name)
    assert f"EXPOSE {port}\n" in dockerfile
    assert f"http://127.0.0.1:{port}/health/ready" in dockerfile
    service = COMPOSE["services"][name]
    assert service["ports"] == [f"{port}:{port}"]
    assert f"http://127.0.0.1:{port}/health/ready" in " ".join(service["healthcheck"]["test"])
    (targets,) = (c["targets"] for c in _scrape_job(_compose_prometheus(), name)["static_configs"])
    assert targets[0] == f"{name}:{port}"


def _compose_prometheus() -> dict[str, Any]:
    return yaml.safe_load((REPO / "deploy" / "compose" / "prometheus.yml").read_text())


def _scrape_job(config: dict[str, Any], name: str) -> dict[str, Any]:
    return next(job for job in config["scrape_configs"] if job["job_name"] == name)


def _native_prometheus(instances: int) -> dict[str, Any]:
    """The config deploy/prometheus.sh generates for the dev profile's default ports."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JANGKAU_")}
    env |= {"JANGKAU_PROFILE": "dev", "JANGKAU_METRICS_INSTANCES": str(instances)}
    done = subprocess.run(
        ["bash", str(REPO / "deploy" / "prometheus.sh"), "config"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)  # type: ignore[no-any-return]


def test_the_second_metrics_replica_is_the_first_one_on_the_next_host_port() -> None:
    first, second = COMPOSE["services"]["metrics"], COMPOSE["services"][METRICS_REPLICA]
    port = _dev_port("metrics")
    # Host ports as the native stack's instances: instance i on JANGKAU_METRICS_PORT+i-1.
    assert first["ports"] == [f"{port}:{port}"]
    assert second["ports"] == [f"{port + 1}:{port}"]
    same = {key: value for key, value in second.items() if key not in {"ports", "depends_on"}}
    assert same == {key: value for key, value in first.items() if key not in {"ports", "depends_on"}}
    assert second["image"] == first["image"]
    assert second["build"] == first["build"]  # else compose v2 pulls the local image and fails
    # Alembic takes no lock: the replica migrates (a no-op) only after the first one is healthy.
    assert second["depends_on"] == {**first["depends_on"], "metrics": {"condition": "service_healthy"}}


def test_compose_prometheus_scrapes_both_metrics_replicas() -> None:
    port = _dev_port("metrics")
    (targets,) = (c["targets"] for c in _scrape_job(_compose_prometheus(), "metrics")["static_configs"])
    assert targets == [f"metrics:{port}", f"{METRICS_REPLICA}:{port}"]
    depends = COMPOSE["services"]["prometheus"]["depends_on"]
    assert {"metrics", METRICS_REPLICA} <= set(depends)


def test_compose_prometheus_config_is_the_native_one_for_two_instances_with_service_names() -> None:
    """deploy/prometheus.sh with JANGKAU_METRICS_INSTANCES=2, targets renamed to the containers."""
    native = _native_prometheus(2)
    renames = {f"127.0.0.1:{_dev_port(name)}": f"{name}:{_dev_port(name)}" for name in SERVICE_NAMES}
    renames[f"127.0.0.1:{_dev_port('metrics') + 1}"] = f"{METRICS_REPLICA}:{_dev_port('metrics')}"
    for job in native["scrape_configs"]:
        for config in job["static_configs"]:
            config["targets"] = [renames[target] for target in config["targets"]]
    compose = _compose_prometheus()
    assert {k: v for k, v in compose.items() if k != "rule_files"} == {
        k: v for k, v in native.items() if k != "rule_files"
    }
    source = yaml.safe_load((REPO / "deploy" / "prometheus" / "prometheus.yml").read_text())
    assert compose["rule_files"] == source["rule_files"]
    mounts = COMPOSE["services"]["prometheus"]["volumes"]
    assert "./deploy/prometheus/rules:/etc/prometheus/rules:ro" in mounts


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_dockerfile_is_multi_stage_and_runs_as_a_non_root_user(name: str) -> None:
    steps = _instructions(_dockerfile(name))
    froms = [args for word, args in steps if word == "FROM"]
    assert len(froms) >= 2
    assert froms[0].endswith(" AS build")
    runtime = steps[max(i for i, (word, _) in enumerate(steps) if word == "FROM") :]
    users = [args for word, args in runtime if word == "USER"]
    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert any(word == "HEALTHCHECK" for word, _ in runtime)
    assert any(
        "uv sync --frozen --no-dev" in args and f"--package jangkau-{name}" in args for _, args in steps
    )


def _ignored(path: str, patterns: list[str]) -> bool:
    parts = Path(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(fnmatch(p, pat) or fnmatch(p, pat.removeprefix("**/")) for p in prefixes for pat in patterns)


def _copy_sources(name: str) -> list[str]:
    sources = []
    for word, args in _instructions(_dockerfile(name)):
        if word == "COPY" and "--from=" not in args:
            sources += [a for a in shlex.split(args)[:-1] if not a.startswith("--")]
    return sources


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_dockerfile_copies_only_files_that_exist_and_are_in_the_build_context(name: str) -> None:
    patterns = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith(("#", "!"))
    ]
    for source in _copy_sources(name):
        assert (REPO / source).exists(), f"{name}: COPY {source} does not exist"
        assert not _ignored(source.rstrip("/"), patterns), f"{name}: COPY {source} is in .dockerignore"


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_dockerfile_build_steps_install_the_service_command(name: str, tmp_path: Path) -> None:
    """Replays the build stage's COPY and `uv sync` steps offline (uv's cache) in a temporary dir."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH: cannot replay the Dockerfile's uv sync steps")
    app = tmp_path / "app"
    app.mkdir()
    env = {**os.environ, "UV_PYTHON": sys.executable, "UV_PYTHON_DOWNLOADS": "never"}
    env.pop("VIRTUAL_ENV", None)
    build_stage = _dockerfile(name).split(" AS runtime", 1)[0]
    for word, args in _instructions(build_stage):
        if word == "COPY" and "--from=" not in args:
            *sources, dest = shlex.split(args)
            for source in sources:
                _copy(REPO / source, app / dest, is_dir_dest=dest.endswith("/") or len(sources) > 1)
        elif word == "RUN" and "uv sync" in args:
            argv = shlex.split(args.split("uv sync", 1)[1])
            run = subprocess.run(
                [uv, "sync", "--offline", *argv],
                cwd=app,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if run.returncode != 0 and "offline" in run.stderr.lower():
                pytest.skip(
                    f"uv's cache lacks a locked package (run `make install` first): {run.stderr[-300:]}"
                )
            assert run.returncode == 0, run.stderr
    help_run = subprocess.run(
        [app / ".venv" / "bin" / f"jangkau-{name}", "--help"], capture_output=True, text=True, check=False
    )
    assert help_run.returncode == 0, help_run.stderr
    assert "serve" in help_run.stdout
    assert "migrate" in help_run.stdout


def _copy(source: Path, dest: Path, *, is_dir_dest: bool) -> None:
    if source.is_dir():
        shutil.copytree(
            source,
            dest,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns(".venv", "__pycache__", ".mypy_cache"),
        )
        return
    target = dest / source.name if is_dir_dest else dest
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
