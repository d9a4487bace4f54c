"""The example subscriber against the real broker: `--from-beginning` rereads everything, every run.

It used to join a fixed consumer group and commit, so a second run "from the beginning" read
nothing. The workers registered here go through the real registration API and outbox relay.
"""

import subprocess
import uuid

import httpx
import pytest
from e2e_stack import RunningStack
from fault_kit import campaign_counts, gauge, jambi_workers

from support import REPO, wait_for

pytestmark = pytest.mark.e2e

WORKERS = 3
BACKLOG = 'jangkau_outbox_backlog_events{service="registration"}'


def _consume_from_the_beginning(stack: RunningStack) -> dict[str, int]:
    """Run the example as a subscriber would; return its counts per branch."""
    done = subprocess.run(
        [
            str(REPO / ".venv/bin/python"),
            str(REPO / "examples" / "consumer.py"),
            *("--bootstrap", stack.kafka, "--from-beginning"),
            *("--max-events", "100000000", "--idle-seconds", "5"),  # the whole topic, however long
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return {branch: int(n) for branch, n in (line.split("\t") for line in done.stdout.splitlines())}


@pytest.mark.timeout(600)
def test_every_run_from_the_beginning_prints_the_same_counts(running_stack: RunningStack) -> None:
    campaign = str(uuid.uuid4())
    for worker in jambi_workers(WORKERS, campaign):
        response = httpx.post(
            f"{running_stack.url('registration')}/v1/registrations",
            json=worker,
            headers={"Authorization": f"Bearer {running_stack.token}"},
            timeout=30,
        )
        assert response.status_code == 201, response.text
    # Everything is on the topic before the first run: the metrics service has read this test's
    # workers from it, and the relay has nothing left to publish.
    wait_for(
        lambda: campaign_counts(running_stack, campaign),
        until=lambda counts: counts == {"registered": WORKERS, "paid": 0},
        timeout=60,
        what=f"the {WORKERS} workers of campaign {campaign} counted",
    )
    wait_for(
        lambda: gauge(running_stack, BACKLOG, "registration"),
        until=lambda backlog: backlog == 0,
        timeout=60,
        what="an empty registration outbox",
    )

    first = _consume_from_the_beginning(running_stack)
    second = _consume_from_the_beginning(running_stack)

    assert first.get("jambi", 0) >= WORKERS, first
    assert second == first
