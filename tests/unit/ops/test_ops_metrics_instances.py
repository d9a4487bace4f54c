"""JANGKAU_METRICS_INSTANCES=N in the native scripts: units, ports, leftovers, Prometheus targets.

No stack is started: the scripts' functions run in a bash that sources deploy/lib.sh, and
deploy/prometheus.sh only renders its configuration.
"""

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from support import REPO

#: Ports of no running stack: the functions below only compute with them.
PORTS = {
    "JANGKAU_REGISTRATION_PORT": "47101",
    "JANGKAU_CAMPAIGNS_PORT": "47102",
    "JANGKAU_METRICS_PORT": "47103",
}


def _env(instances: int | str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JANGKAU_")}
    return env | PORTS | {"JANGKAU_PROFILE": "test", "JANGKAU_METRICS_INSTANCES": str(instances)}


def _bash(script: str, instances: int | str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a bash that sourced deploy/lib.sh (its ``die`` exits that bash)."""
    return subprocess.run(
        ["bash", "-c", f'source "$0"; {script}', str(REPO / "deploy" / "lib.sh")],
        env=_env(instances),
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )


def _deploy(script: str, *args: str, instances: int | str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(REPO / "deploy" / script), *args],
        env=_env(instances),
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )


def _metrics_targets(config: dict[str, Any]) -> list[str]:
    (job,) = (j for j in config["scrape_configs"] if j["job_name"] == "metrics")
    (static,) = job["static_configs"]
    return static["targets"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("instances", [1, 2, 3])
def test_the_metrics_service_runs_one_unit_per_instance_on_consecutive_ports(instances: int) -> None:
    done = _bash('for u in $(service_units metrics); do echo "$u $(service_port "$u")"; done', instances)
    assert done.returncode == 0, done.stderr
    expected = ["metrics 47103", "metrics-2 47104", "metrics-3 47105"][:instances]
    assert done.stdout.splitlines() == expected


def test_registration_and_campaigns_stay_one_unit_whatever_the_metrics_instances() -> None:
    done = _bash("service_units registration; service_units campaigns", 3)
    assert done.stdout.splitlines() == ["registration", "campaigns"]


def test_instances_left_from_a_larger_n_are_found_by_their_pidfiles(tmp_path: Path) -> None:
    """So that `make down` and `make status` still see them after N was lowered."""
    for name in ("metrics.pid", "metrics-2.pid", "metrics-3.pid", "metrics-10.pid", "registration.pid"):
        (tmp_path / name).write_text("1\n")
    (tmp_path / "metrics-x.pid").write_text("1\n")  # not an instance: ignored
    done = _bash(f'SERVICES_DIR="{tmp_path}"; service_units_present metrics', 2)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["metrics", "metrics-2", "metrics-3", "metrics-10"]


@pytest.mark.parametrize("unit", ["metrics-1", "metrics-0", "metrics-x", "metrics-02", "reporting"])
def test_a_unit_that_is_no_instance_is_refused(unit: str) -> None:
    done = _bash(f"service_port {unit}", 2)
    assert done.returncode == 1
    assert "unknown service" in done.stderr


@pytest.mark.parametrize("value", ["0", "17", "two", "-1", "2 "])
def test_a_wrong_number_of_instances_stops_every_script_with_a_message(value: str) -> None:
    done = _deploy("stack.sh", "status", instances=value)
    assert done.returncode == 1
    assert f"JANGKAU_METRICS_INSTANCES='{value}' is not a number of metrics instances" in done.stderr


def test_starting_an_instance_above_n_is_refused_before_anything_starts() -> None:
    done = _deploy("services.sh", "start", "metrics-3", instances=2)
    assert done.returncode == 1
    assert "metrics-3 is above JANGKAU_METRICS_INSTANCES=2" in done.stderr


@pytest.mark.parametrize("instances", [1, 2, 3])
def test_prometheus_scrapes_every_instance_and_the_other_services_once(instances: int) -> None:
    done = _deploy("prometheus.sh", "config", instances=instances)
    assert done.returncode == 0, done.stderr
    config = yaml.safe_load(done.stdout)
    assert _metrics_targets(config) == [f"127.0.0.1:{47103 + i}" for i in range(instances)]
    others = {j["job_name"]: j["static_configs"] for j in config["scrape_configs"]}
    assert others["registration"] == [{"targets": ["127.0.0.1:47101"]}]
    assert others["campaigns"] == [{"targets": ["127.0.0.1:47102"]}]


def test_promtool_accepts_the_generated_config_of_three_instances(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (Debian package 'prometheus': deploy/prometheus.sh install)")
    done = _deploy("prometheus.sh", "config", instances=3)
    assert done.returncode == 0, done.stderr
    config = tmp_path / "prometheus.yml"
    config.write_text(done.stdout)
    run = subprocess.run(
        [promtool, "check", "config", str(config)], capture_output=True, text=True, check=False, timeout=60
    )
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize(
    ("script", "shows"),
    [
        ("stack.sh", "metrics processes on 47103..47105"),
        ("services.sh", "JANGKAU_METRICS_INSTANCES processes (now 3; default 1)"),
        ("prometheus.sh", "JANGKAU_METRICS_INSTANCES=3 metrics instances"),
    ],
)
def test_the_help_texts_tell_how_many_instances_run_and_where(script: str, shows: str) -> None:
    done = _deploy(script, "--help", instances=3)
    assert done.returncode == 0, done.stderr
    assert shows in " ".join(done.stdout.split())
