"""Fault 5: a second metrics instance joins the consumer group under load, takes partitions, and
leaves again; afterwards the first instance's counts equal what the API accepted."""

import os
import signal
import socket
import subprocess
import uuid
from collections.abc import Iterator

import httpx
import pytest
from e2e_stack import SERVICE_ENV, RunningStack
from fault_kit import (
    SERVICES,
    ApiLoad,
    campaign_counts,
    family_total,
    jambi_workers,
    page,
    settled,
)
from fault_summary import FaultRow

from support import REPO, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

APPLIED = "jangkau_events_applied_total"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _applied(url: str) -> float:
    """Events a metrics instance has applied (participant topics and campaign topics)."""
    return family_total(page(url), APPLIED)


def _ready(url: str) -> int:
    try:
        return httpx.get(f"{url}/health/ready", timeout=5).status_code
    except httpx.TransportError:
        return 0


@pytest.fixture
def second_metrics() -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Another metrics process in the same consumer group, started with the services' environment
    by ``deploy/services.sh exec`` on a port of its own; always stopped afterwards."""
    port = _free_port()
    log = (SERVICES / "metrics-second.log").open("wb")
    process = subprocess.Popen(
        [
            "bash",
            "deploy/services.sh",
            "exec",
            ".venv/bin/jangkau-metrics",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=REPO,
        env={**os.environ, **SERVICE_ENV, "JANGKAU_PROFILE": "test"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(30)
        log.close()


@pytest.mark.timeout(300)
def test_a_second_metrics_instance_joining_and_leaving_under_load_changes_no_count(
    running_stack: RunningStack,
    fault_row: FaultRow,
    second_metrics: tuple[subprocess.Popen[bytes], str],
) -> None:
    fault_row.fault = "second metrics instance joins the group under load, then leaves (SIGTERM)"
    process, second = second_metrics
    campaign = str(uuid.uuid4())
    load = ApiLoad(running_stack, jambi_workers(1600, campaign), batch=20, pause=0.3)
    load.start()
    try:
        load.wait_batches(2)
        wait_for(
            lambda: _ready(second), until=lambda s: s == 200, timeout=120, interval=1.0, what="2nd ready"
        )
        # It has joined once it applies events of partitions taken from the first instance.
        took = wait_for(
            lambda: _applied(second), until=lambda n: n > 0, timeout=120, interval=1.0, what="2nd"
        )
        at_leave = load.sent_batches
        process.send_signal(signal.SIGTERM)
        process.wait(60)
        load.wait_batches(at_leave + 3)
    finally:
        load.stop.set()
        load.join(120)
    fault_row.load = load.items

    expected = load.expected
    seen = settled(lambda: campaign_counts(running_stack, campaign), expected, 150, "campaign counts")
    fault_row.checked = sum(expected.values())
    fault_row.over_under_counts(expected, seen)
    fault_row.mismatched = int(seen != expected)
    fault_row.leaked = int(process.poll() is None)
    fault_row.note = f"the second instance applied {took:.0f} events before it left"

    # uvicorn shuts down gracefully, then re-raises the signal it handled.
    assert process.returncode in (0, -signal.SIGTERM), process.returncode
    assert "LeaveGroup request succeeded" in (SERVICES / "metrics-second.log").read_text(errors="replace")
    assert not load.problems, load.problems[:5]
    assert seen == expected
