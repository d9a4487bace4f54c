"""Fault 9: replay from offset 0 equals live.

Runs last of the fault tests (file order), so the live store it checks has been through every
fault before it: kills, restarts, poison, duplicate storms, rebalances and bursts. ``jangkau-metrics
replay`` rebuilds the whole state from every partition's first offset into an empty database and
compares it with the live store cell by cell.
"""

import asyncio
import os
import re
import subprocess
import time
from collections.abc import Awaitable, Callable

import pytest
from e2e_stack import SERVICE_ENV, RunningStack
from fault_kit import LAG, LAG_MEASURED, family_total, page, sample
from fault_summary import FaultRow

from support import REPO, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.faults]


def _lag_measured_after(url: str, moment: float) -> float | None:
    """Total consumer lag of a measurement taken after ``moment`` (None until there is one)."""
    text = page(url)
    measured = sample(text, LAG_MEASURED)
    if measured is None or measured <= moment:
        return None
    return family_total(text, LAG)


@pytest.mark.timeout(240)
async def test_replay_from_offset_zero_equals_the_live_store(
    running_stack: RunningStack, fault_row: FaultRow, new_database: Callable[[], Awaitable[str]]
) -> None:
    fault_row.fault = "replay of every metrics topic from offset 0 into an empty store"
    url = running_stack.url("metrics")
    quiet_from = time.time()
    await asyncio.to_thread(
        wait_for,
        lambda: _lag_measured_after(url, quiet_from),
        until=lambda n: n == 0,
        timeout=120,
        interval=1.0,
        what="live consumers caught up (lag 0)",
    )
    into = await new_database()
    done = await asyncio.to_thread(
        subprocess.run,
        ["bash", "deploy/services.sh", "exec", ".venv/bin/jangkau-metrics", "replay", "--into", into],
        cwd=REPO,
        env={**os.environ, **SERVICE_ENV, "JANGKAU_PROFILE": "test"},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    replayed = re.search(r"replayed (\d+) events \((\d+) not applicable\)", done.stdout)
    diffs = [line for line in done.stdout.splitlines() if line.startswith("DIFF ")]
    fault_row.load = int(replayed.group(1)) if replayed else 0
    fault_row.checked = fault_row.load
    fault_row.mismatched = len(diffs) + int(done.returncode != 0 and not diffs)
    events, rejected = replayed.groups() if replayed else ("?", "?")
    fault_row.note = f"{events} events replayed, {rejected} not applicable (dead-lettered live too)"

    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert replayed, done.stdout
    assert fault_row.load > 0
    assert diffs == []
    assert "rebuilt store equals the live store" in done.stdout
