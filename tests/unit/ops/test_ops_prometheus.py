"""Prometheus configuration and alert rules: promtool checks and unit tests, runbooks, metric names."""

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from ops_metric_names import exposed, metric_names

from support import REPO, panel_queries

PROM = REPO / "deploy" / "prometheus"
RULE_FILES = sorted((PROM / "rules").glob("*.yml"))
TEST_FILES = sorted((PROM / "tests").glob("*.yml"))
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None,
    reason="promtool is not installed (Debian package 'prometheus': deploy/prometheus.sh install)",
)
SEVERITIES = {"critical", "warning"}


def _promtool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run(
        [PROMTOOL, *map(str, args)], capture_output=True, text=True, check=False, timeout=60
    )


def _alerts() -> list[dict[str, Any]]:
    rules = []
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            rules += [rule for rule in group["rules"] if "alert" in rule]
    return rules


def _slug(heading: str) -> str:
    """GitHub's anchor for a markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_there_are_rule_files_and_rule_tests() -> None:
    assert RULE_FILES
    assert TEST_FILES


@needs_promtool
@pytest.mark.parametrize("config", ["deploy/prometheus/prometheus.yml"])
def test_promtool_accepts_the_local_configuration(config: str) -> None:
    run = _promtool("check", "config", REPO / config)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "SUCCESS" in run.stdout + run.stderr


@needs_promtool
def test_promtool_accepts_the_compose_configuration_with_the_rules_where_compose_mounts_them(
    tmp_path: Path,
) -> None:
    shutil.copy(REPO / "deploy" / "compose" / "prometheus.yml", tmp_path / "prometheus.yml")
    shutil.copytree(PROM / "rules", tmp_path / "rules")
    run = _promtool("check", "config", tmp_path / "prometheus.yml")
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{len(_alerts())} rules found" in run.stdout + run.stderr


@needs_promtool
def test_promtool_accepts_the_rules() -> None:
    run = _promtool("check", "rules", *RULE_FILES)
    assert run.returncode == 0, run.stdout + run.stderr


@needs_promtool
def test_the_rules_pass_their_promtool_unit_tests() -> None:
    run = _promtool("test", "rules", *TEST_FILES)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("alert", _alerts(), ids=lambda rule: rule["alert"])
def test_every_alert_has_a_severity_a_summary_a_description_and_a_runbook(alert: dict[str, Any]) -> None:
    assert alert["labels"]["severity"] in SEVERITIES
    annotations = alert["annotations"]
    assert annotations["summary"].strip()
    assert annotations["description"].strip()
    assert annotations["runbook"] == f"docs/ops.md#{alert['alert'].lower()}"


def test_every_runbook_points_to_a_section_of_docs_ops() -> None:
    ops = (REPO / "docs" / "ops.md").read_text()
    anchors = {_slug(line.lstrip("#")) for line in ops.splitlines() if line.startswith("#")}
    missing = [a["alert"] for a in _alerts() if a["annotations"]["runbook"].split("#", 1)[1] not in anchors]
    assert missing == [], f"docs/ops.md has no section for {missing}"


def test_every_alert_is_tested_firing_and_not_firing() -> None:
    firing: set[str] = set()
    silent: set[str] = set()
    for path in TEST_FILES:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check.get("exp_alerts") else silent).add(check["alertname"])
    names = {a["alert"] for a in _alerts()}
    assert names - firing == set(), "never tested firing"
    assert names - silent == set(), "never tested not firing"


def test_alerts_use_only_metrics_the_services_expose() -> None:
    unknown = {name for alert in _alerts() for name in metric_names(alert["expr"]) if not exposed(name)}
    assert unknown == set(), "no service exposes these metric families"


def _metrics_instances(case: dict[str, Any]) -> set[str]:
    """The metrics instances a promtool test case feeds (instance labels of job="metrics")."""
    found = set()
    for series in case.get("input_series", []):
        labels = dict(re.findall(r'(\w+)="([^"]*)"', series["series"]))
        if labels.get("job") == "metrics" and "instance" in labels:
            found.add(labels["instance"])
    return found


def _multi_instance_cases() -> list[dict[str, Any]]:
    cases = [case for path in TEST_FILES for case in yaml.safe_load(path.read_text())["tests"]]
    return [case for case in cases if len(_metrics_instances(case)) >= 2]


def _squeeze(expr: str) -> str:
    return " ".join(expr.split())


def test_the_rule_tests_run_with_two_and_with_three_metrics_instances() -> None:
    sizes = {len(_metrics_instances(case)) for case in _multi_instance_cases()}
    assert {2, 3} <= sizes


def test_every_dashboard_query_is_tested_with_several_metrics_instances() -> None:
    """Each panel's query, alone or inside count()/sum(), is evaluated by promtool with 2+ instances."""
    tested = [
        _squeeze(check["expr"])
        for case in _multi_instance_cases()
        for check in case.get("promql_expr_test", [])
        if check.get("exp_samples")
    ]
    untested = {
        (uid, title) for uid, title, expr in panel_queries() if not any(_squeeze(expr) in t for t in tested)
    }
    assert untested == set(), "not tested in deploy/prometheus/tests with 2 or 3 metrics instances"


def test_every_alert_on_metrics_series_is_tested_with_several_metrics_instances() -> None:
    tested = {
        check["alertname"] for case in _multi_instance_cases() for check in case.get("alert_rule_test", [])
    }
    reads_metrics = {
        alert["alert"]
        for alert in _alerts()
        if re.search(r"\bup\b|job=\"metrics\"", alert["expr"])
        or any(_exported_by_metrics(name) for name in metric_names(alert["expr"]))
    }
    assert len(reads_metrics) >= 4, reads_metrics
    assert reads_metrics - tested == set(), "not tested with 2 or 3 metrics instances"


@cache
def _metrics_sources() -> str:
    return "\n".join(path.read_text() for path in REPO.glob("services/metrics/src/**/*.py"))


def _exported_by_metrics(name: str) -> bool:
    """True when the metrics service defines the family of ``name`` (a counter's without _total)."""
    return f'"{name.removesuffix("_total")}"' in _metrics_sources()
