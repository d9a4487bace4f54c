"""Faults: kill -9 of the metrics service under load, and of registration (outbox relay) after a batch."""

import os
import random
import re
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from e2e_stack import RunningStack

from jangkau_shared import topics
from support import REPO, eventually, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

SERVICES = REPO / ".jangkau" / "test" / "services"
BATCH = 40


def _jambi_workers(n: int, campaign: str) -> list[dict[str, object]]:
    """``n`` Batanghari workers with unique NIKs, all of ``campaign`` (a metrics key of the test's own)."""
    rng = random.Random()
    people = []
    for _ in range(n):
        day = rng.randrange(1, 29) + (40 if rng.random() < 0.5 else 0)
        born = f"{day:02d}{rng.randrange(1, 13):02d}{rng.randrange(60, 99):02d}"
        nik = f"150403{born}{rng.randrange(1, 10_000):04d}"
        people.append(
            {
                "client_id": str(uuid.uuid4()),
                "nik": nik,
                "name": "Pekerja Beban",
                "village_code": "15.04.03.2015",
                "segment": "farmer",
                "programmes": ["JKK", "JKM"],
                "income_bracket": 1_000_000,
                "channel": "village_office",
                "registered_on": "2025-03-10",
                "campaign_id": campaign,
            }
        )
    return people


def _payment(pid: str) -> dict[str, object]:
    return {
        "client_id": str(uuid.uuid4()),
        "participant_id": pid,
        "first_month": "2025-03",
        "months": 1,
        "amount": 16_800,
        "payer_type": "self",
        "channel": "village_office",
        "paid_on": "2025-03-15",
    }


def _pid(service: str) -> int:
    return int(Path(SERVICES / f"{service}.pid").read_text().split()[0])


def _kill9(service: str) -> int:
    pid = _pid(service)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        time.sleep(0.05)
    raise AssertionError(f"{service} (pid {pid}) still alive 10s after SIGKILL")


def _start(service: str) -> None:
    done = subprocess.run(
        ["bash", "deploy/services.sh", "start", service],
        env={**os.environ, "JANGKAU_PROFILE": "test"},
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=150,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _wait(probe: Callable[[], object], expected: object, timeout: float, what: str) -> None:
    wait_for(
        probe,
        until=lambda value: value == expected,
        timeout=timeout,
        interval=1.0,
        what=f"{what} == {expected!r}",
    )


def _campaign_counts(running_stack: RunningStack, campaign: str) -> dict[str, int]:
    try:
        answer = httpx.get(
            f"{running_stack.url('metrics')}/v1/coverage", params={"by": "campaign"}, timeout=10
        )
    except httpx.TransportError:
        return {}
    if answer.status_code != 200:
        return {"status": answer.status_code}
    row = next((r for r in answer.json()["rows"] if r["key"] == campaign), None)
    return {"registered": row["registered"], "paid": row["registered"] - row["never_paid"]} if row else {}


def _gauge(running_stack: RunningStack, name: str) -> float | None:
    try:
        page = httpx.get(f"{running_stack.url('metrics')}/metrics", timeout=10).text
    except httpx.TransportError:
        return None
    found = re.search(rf"^{re.escape(name)} (\S+)$", page, re.M)
    return float(found.group(1)) if found else 0.0


def _dead_letters(running_stack: RunningStack) -> float:
    page = httpx.get(f"{running_stack.url('metrics')}/metrics", timeout=10).text
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in page.splitlines() if "dead" in line and line[0] != "#"
    )


def _stable_gauge(running_stack: RunningStack, name: str) -> float:
    """The gauge once it has not moved for three seconds (earlier work has drained)."""
    last, since = _gauge(running_stack, name), time.monotonic()
    deadline = since + 60
    while time.monotonic() - since < 3:
        assert time.monotonic() < deadline, f"{name} never settled"
        time.sleep(0.5)
        now = _gauge(running_stack, name)
        if now != last:
            last, since = now, time.monotonic()
    assert last is not None
    return last


JAMBI = 'jangkau_participants_registered{branch="jambi"}'


@pytest.mark.timeout(290)
def test_kill9_of_metrics_under_load_loses_and_doubles_no_count(running_stack: RunningStack) -> None:
    campaign = str(uuid.uuid4())
    people = _jambi_workers(8 * BATCH, campaign)
    before = _stable_gauge(running_stack, JAMBI)
    dead_before = _dead_letters(running_stack)
    headers = {"Authorization": f"Bearer {running_stack.token}"}
    accepted: list[str] = []
    paid: list[str] = []
    problems: list[str] = []
    halfway = threading.Event()

    def load() -> None:
        with httpx.Client(base_url=running_stack.url("registration"), headers=headers, timeout=60) as api:
            for i in range(0, len(people), BATCH):
                answer = api.post("/v1/registrations:batch", json={"items": people[i : i + BATCH]})
                if answer.status_code != 200:
                    problems.append(f"registrations:batch {answer.status_code} {answer.text[:200]}")
                    continue
                ids = [r["participant_id"] for r in answer.json()["results"] if r["status"] == "created"]
                problems.extend(str(r) for r in answer.json()["results"] if r["status"] != "created")
                accepted.extend(ids)
                pay = api.post("/v1/contributions:batch", json={"items": [_payment(p) for p in ids[::2]]})
                if pay.status_code == 200:
                    paid.extend(
                        r["participant_id"] for r in pay.json()["results"] if r["status"] == "recorded"
                    )
                else:
                    problems.append(f"contributions:batch {pay.status_code} {pay.text[:200]}")
                if i >= 2 * BATCH:
                    halfway.set()

    loader = threading.Thread(target=load, daemon=True)
    loader.start()
    assert halfway.wait(120), "the load never reached its middle"
    killed = _kill9("metrics")
    loader.join(180)
    assert not loader.is_alive(), "the load did not finish"
    _start("metrics")
    assert _pid("metrics") != killed

    assert not problems, problems[:5]
    assert len(accepted) == len(people)
    expected = {"registered": len(accepted), "paid": len(paid)}
    assert expected["paid"] == len(people) // 2
    _wait(
        lambda: _campaign_counts(running_stack, campaign),
        expected,
        150,
        "metrics JSON counts of the campaign",
    )
    _wait(lambda: _gauge(running_stack, JAMBI), before + len(accepted), 60, f"{JAMBI} on /metrics")
    assert _dead_letters(running_stack) == dead_before


async def _keys_on(bootstrap: str, topic: str) -> list[bytes]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    keys: list[bytes] = []
    try:
        parts = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or ())]
        if not parts:
            await consumer._client.force_metadata_update()
            parts = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or ())]
        ends = await consumer.end_offsets(parts)
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        left = {tp: end for tp, end in ends.items() if end > 0}
        while left:
            for records in (await consumer.getmany(*left, timeout_ms=2000)).values():
                keys += [r.key for r in records if r.key]
            for tp in list(left):
                if await consumer.position(tp) >= left[tp]:
                    del left[tp]
    finally:
        await consumer.stop()
    return keys


@pytest.mark.timeout(290)
async def test_kill9_of_registration_right_after_a_batch_loses_no_accepted_registration(
    running_stack: RunningStack,
) -> None:
    campaign = str(uuid.uuid4())
    people = _jambi_workers(200, campaign)
    headers = {"Authorization": f"Bearer {running_stack.token}"}
    async with httpx.AsyncClient(
        base_url=running_stack.url("registration"), headers=headers, timeout=60
    ) as api:
        answer = await api.post("/v1/registrations:batch", json={"items": people})
    killed = _kill9("registration")  # the outbox relay runs in this process
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["created"] * len(people), results[:3]
    accepted = {r["participant_id"] for r in results}
    _start("registration")
    assert _pid("registration") != killed

    async def missing() -> set[str]:
        keys = await _keys_on(running_stack.env["JANGKAU_KAFKA_BOOTSTRAP"], topics.WORKER_REGISTERED)
        return accepted - {k.decode() for k in keys}

    await eventually(
        missing,
        until=lambda gone: not gone,
        timeout=120,
        interval=2.0,
        what=f"every accepted registration on {topics.WORKER_REGISTERED}",
    )
    _wait(
        lambda: _campaign_counts(running_stack, campaign),
        {"registered": len(accepted), "paid": 0},
        120,
        "metrics JSON counts of the campaign",
    )
