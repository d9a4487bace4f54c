"""Field work in, ops figures out: simulator -> HTTP APIs -> Kafka -> metrics -> Prometheus."""

import json
import random
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from e2e_stack import RunningStack
from fault_kit import jambi_worker
from field_kit import SESETAN_2017, replay

from support import REPO, eventually, panel_queries

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def sesetan_truth(running_stack: RunningStack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    # Fixed scale and seed: re-runs against a kept stack replay the same client ids (stored once).
    truth = replay(running_stack, SESETAN_2017, tmp_path_factory.mktemp("sim") / "truth.json")
    # Ops set this year's target, so the "against target" panels have something to compare.
    year = datetime.now(UTC).year
    target = httpx.put(
        f"{running_stack.url('metrics')}/v1/targets/denpasar/{year}",
        json={"participants": 22_964},
        headers={"Authorization": f"Bearer {running_stack.local_env['JANGKAU_METRICS_ADMIN_TOKEN']}"},
        timeout=10,
    )
    assert target.status_code == 200, target.text
    # One registration dated today: every process has fresh work to show (publish, apply, today).
    fresh = httpx.post(
        f"{running_stack.url('registration')}/v1/registrations",
        json=jambi_worker_today(),
        headers={"Authorization": f"Bearer {running_stack.token}"},
        timeout=30,
    )
    assert fresh.status_code == 201, fresh.text
    return truth


def jambi_worker_today() -> dict[str, object]:
    """A new worker of Sungai Baung (Batanghari, Jambi) registered today, with a fresh NIK."""
    today = datetime.now(UTC).date().isoformat()
    return jambi_worker(random.Random(), name="Contoh Pekerja", registered_on=today)


@pytest.mark.timeout(300)
def test_the_simulators_ground_truth_equals_the_metrics_after_a_run(
    running_stack: RunningStack,
    sesetan_truth: dict[str, Any],
) -> None:
    truth_file = REPO / ".jangkau" / "test" / "e2e-truth.json"
    truth_file.write_text(json.dumps(sesetan_truth))
    every_instance = [arg for url in running_stack.metrics_urls for arg in ("--metrics", url)]
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "deploy" / "demo_check.py"),
            "--truth",
            str(truth_file),
            *every_instance,
            "--timeout",
            "120",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=200,
    )
    assert done.returncode == 0, done.stderr
    assert "metrics equal the ground truth" in done.stdout


async def _prometheus_value(running_stack: RunningStack, query: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=running_stack.url("prometheus"), timeout=10) as client:
        answer = (await client.get("/api/v1/query", params={"query": query})).raise_for_status().json()
    assert answer["status"] == "success", answer
    return answer["data"]["result"]  # type: ignore[no-any-return]


@pytest.mark.timeout(180)
async def test_a_registration_in_the_field_reaches_prometheus_as_the_branch_count(
    running_stack: RunningStack,
    sesetan_truth: dict[str, Any],
) -> None:
    expected = sesetan_truth["branches"]["denpasar"]["registered"]
    query = 'jangkau_participants_registered{branch="denpasar"}'
    instances = len(running_stack.metrics_urls)

    # One series per metrics instance, each with the whole branch's count.
    result = await eventually(
        lambda: _prometheus_value(running_stack, query),
        until=lambda r: len(r) == instances and all(float(s["value"][1]) == expected for s in r),
        timeout=90,
        interval=1.0,
        what=f"{query} == {expected} in Prometheus from {instances} instance(s)",
    )
    assert sorted(float(s["value"][1]) for s in result) == [expected] * instances


@pytest.mark.timeout(180)
async def test_the_coverage_dashboards_branch_panels_give_the_branch_count_once(
    running_stack: RunningStack,
    sesetan_truth: dict[str, Any],
) -> None:
    """With N metrics instances Prometheus holds N copies; the panels must show one."""
    expected = sesetan_truth["branches"]["denpasar"]["registered"]
    panels = {title: expr for uid, title, expr in panel_queries() if uid == "jangkau-coverage"}

    def denpasar(result: list[dict[str, Any]]) -> float:
        return sum(float(s["value"][1]) for s in result if s["metric"].get("branch") == "denpasar")

    registered = await eventually(
        lambda: _prometheus_value(running_stack, panels["Trend: registered per branch"]),
        until=lambda r: denpasar(r) == expected,
        timeout=90,
        interval=1.0,
        what=f"the registered-per-branch panel showing {expected} for denpasar",
    )
    assert denpasar(registered) == expected
    # States move with today's date, but every registered participant is in exactly one of them.
    by_state = await _prometheus_value(running_stack, panels["Participants by state, per branch"])
    assert denpasar(by_state) == expected


#: Panels whose series exist only after something goes wrong (dead letters, duplicates), after
#: a measurement interval (lag), or for registrations dated this year (the scenario is 2017);
#: an empty answer there is correct in a healthy run, but the query must still parse and run.
MAY_BE_EMPTY = ("dead", "Dead", "uplicate", "lag", "Lag", "failure", "Failure", "awaiting")


@pytest.mark.timeout(240)
@pytest.mark.parametrize(("dashboard", "panel", "expr"), panel_queries(), ids=lambda v: str(v)[:40])
async def test_every_dashboard_query_parses_and_returns_data_from_the_real_prometheus(
    running_stack: RunningStack,
    sesetan_truth: dict[str, Any],
    dashboard: str,
    panel: str,
    expr: str,
) -> None:
    query = expr.replace("$__rate_interval", "1m").replace("$__range", "1h").replace("$branch", ".*")

    if any(word in panel for word in MAY_BE_EMPTY):
        await _prometheus_value(running_stack, query)  # must parse and succeed; may be empty in a healthy run
        return
    result = await eventually(
        lambda: _prometheus_value(running_stack, query),
        until=bool,
        timeout=90,
        interval=2.0,
        what=f"data for {panel!r}",
    )
    assert result, f"{dashboard} / {panel}: no data for {query}"


def test_the_example_consumer_reads_real_events(
    running_stack: RunningStack, sesetan_truth: dict[str, Any]
) -> None:
    done = subprocess.run(
        [
            str(REPO / ".venv/bin/python"),
            str(REPO / "examples" / "consumer.py"),
            "--bootstrap",
            running_stack.kafka,
            "--from-beginning",
            "--max-events",
            "5",
            "--idle-seconds",
            "10",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    branches = dict(line.split("\t") for line in done.stdout.splitlines())
    assert sum(int(n) for n in branches.values()) >= 1, done.stdout
