"""Grafana provisioning and dashboards: structure, datasource, and every PromQL query parses."""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from ops_metric_names import exposed, metric_names

from support import REPO, panel_queries

GRAFANA = REPO / "deploy" / "grafana"
DASHBOARD_FILES = sorted((GRAFANA / "dashboards").glob("*.json"))
#: Panels that show text or links, not data: they need no query.
TEXT_PANELS = {"text", "row"}


def _dashboard(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def _panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    panels = []
    for panel in dashboard["panels"]:
        panels.append(panel)
        panels += panel.get("panels", [])  # collapsed rows
    return panels


def _datasource_uid() -> str:
    provisioned = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    (datasource,) = provisioned["datasources"]
    assert datasource["type"] == "prometheus"
    return str(datasource["uid"])


def test_there_are_the_coverage_campaigns_and_pipeline_dashboards() -> None:
    uids = [_dashboard(path)["uid"] for path in DASHBOARD_FILES]
    assert sorted(uids) == ["jangkau-campaigns", "jangkau-coverage", "jangkau-pipeline"]
    assert len(set(uids)) == len(uids)


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: p.stem)
def test_every_data_panel_reads_the_provisioned_prometheus_with_at_least_one_query(path: Path) -> None:
    uid = _datasource_uid()
    for panel in _panels(_dashboard(path)):
        if panel["type"] in TEXT_PANELS:
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": uid}, panel["title"]
        assert panel["targets"], f"{panel['title']} has no query"
        for target in panel["targets"]:
            assert target["expr"].strip(), panel["title"]
            assert target["datasource"]["uid"] == uid, panel["title"]


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: p.stem)
def test_panel_ids_and_query_ref_ids_are_unique(path: Path) -> None:
    panels = _panels(_dashboard(path))
    ids = [panel["id"] for panel in panels]
    assert len(set(ids)) == len(ids)
    for panel in panels:
        refs = [target["refId"] for target in panel.get("targets", [])]
        assert len(set(refs)) == len(refs), panel["title"]


def test_the_dashboard_provider_reads_the_folder_compose_mounts() -> None:
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "jangkau.yml").read_text())
    path = provider["providers"][0]["options"]["path"]
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert f"./deploy/grafana/dashboards:{path}:ro" in compose["services"]["grafana"]["volumes"]


def test_every_query_parses_as_promql(tmp_path: Path) -> None:
    """promtool has no expression checker, so each query becomes a recording rule it parses."""
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (Debian package 'prometheus'): cannot parse PromQL")
    rules = [
        {"record": f"panel:{i}", "expr": expr, "labels": {"dashboard": uid, "panel": title}}
        for i, (uid, title, expr) in enumerate(panel_queries())
    ]
    rule_file = tmp_path / "panels.yml"
    rule_file.write_text(yaml.safe_dump({"groups": [{"name": "panels", "rules": rules}]}))
    run = subprocess.run(
        [promtool, "check", "rules", str(rule_file)], capture_output=True, text=True, check=False, timeout=60
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{len(rules)} rules found" in run.stdout + run.stderr


def test_queries_use_only_metrics_the_services_expose() -> None:
    unknown = {
        (uid, name) for uid, _, expr in panel_queries() for name in metric_names(expr) if not exposed(name)
    }
    assert unknown == set(), "no service exposes these metric families"
