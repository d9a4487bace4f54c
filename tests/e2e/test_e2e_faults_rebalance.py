"""Fault 5: a second metrics instance joins the consumer group under load, takes partitions, and
leaves again; afterwards the first instance's counts equal what the API accepted."""

import signal
import uuid
from collections.abc import Iterator

import pytest
from e2e_stack import RunningStack
from fault_kit import (
    ApiLoad,
    ServiceProcess,
    campaign_counts,
    extra_metrics_port,
    family_total,
    jambi_workers,
    page,
    settled,
)
from fault_summary import FaultRow

from support import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

APPLIED = "jangkau_events_applied_total"


def _applied(url: str) -> float:
    """Events a metrics instance has applied (participant topics and campaign topics)."""
    return family_total(page(url), APPLIED)


@pytest.fixture
def second_metrics(running_stack: RunningStack) -> Iterator[ServiceProcess]:
    """Another metrics process in the same consumer group, on a port of its own; always stopped afterwards."""
    second = ServiceProcess("second", extra_metrics_port(running_stack, 1))
    second.launch()
    try:
        yield second
    finally:
        second.kill()


@pytest.mark.timeout(300)
def test_a_second_metrics_instance_joining_and_leaving_under_load_changes_no_count(
    running_stack: RunningStack,
    fault_row: FaultRow,
    second_metrics: ServiceProcess,
) -> None:
    fault_row.fault = "second metrics instance joins the group under load, then leaves (SIGTERM)"
    second = second_metrics.url
    campaign = str(uuid.uuid4())
    load = ApiLoad(running_stack, jambi_workers(1600, campaign), batch=20, pause=0.3)
    load.start()
    try:
        load.wait_batches(2)
        second_metrics.wait_ready(timeout=120)
        # It has joined once it applies events of partitions taken from the first instance.
        took = wait_for(
            lambda: _applied(second), until=lambda n: n > 0, timeout=120, interval=1.0, what="2nd"
        )
        at_leave = load.sent_batches
        returncode = second_metrics.terminate(60)
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
    fault_row.leaked = int(second_metrics.running)
    fault_row.note = f"the second instance applied {took:.0f} events before it left"

    # uvicorn shuts down gracefully, then re-raises the signal it handled.
    assert returncode in (0, -signal.SIGTERM), returncode
    assert "LeaveGroup request succeeded" in second_metrics.log.read_text(errors="replace")
    assert not load.problems, load.problems[:5]
    assert seen == expected
