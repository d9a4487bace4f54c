"""Helpers of the e2e tests: test-own loads, process control, probes of the running services.

Every fault test isolates its counts by a campaign id of its own: the metrics JSON API groups
coverage by campaign, so the test's expected numbers are exact whatever else the stack holds.
"""

import asyncio
import os
import random
import re
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import ConsumerRecord
from e2e_stack import SERVICE_ENV, RunningStack, deploy

from jangkau_shared.envelope import KafkaRecord, encode
from jangkau_shared.events import (
    CampaignPlannedV1,
    ContributionPaidV1,
    WorkerRegisteredV1,
)
from support import REPO, wait_for

T = TypeVar("T")

STATE = REPO / ".jangkau" / "test"
SERVICES = STATE / "services"
JAMBI_VILLAGE = "15.04.03.2015"
JAMBI_GAUGE = 'jangkau_participants_registered{branch="jambi"}'
LAG = "jangkau_consumer_lag_events"
LAG_MEASURED = "jangkau_consumer_lag_measured_timestamp_seconds"


# --- loads -------------------------------------------------------------------------------------


#: Every NIK this test process has drawn: a load never reuses one that another test registered.
_DRAWN: set[str] = set()


def jambi_nik(rng: random.Random, born: date | None = None, *, female: bool | None = None) -> str:
    """A structurally valid NIK of Batanghari (Jambi), birth date (day + 40 for women) and serial,
    that this test process has not drawn before.

    About 365 million are possible: among the tens of thousands a run draws, a repeat is likely
    (birthday problem), so repeats are drawn again. A NIK registered by an earlier run on a reused
    stack can still come up: loads count it apart (``ApiLoad.elsewhere``).
    """
    while True:
        day = born or date(1950, 1, 1) + timedelta(days=rng.randrange(50 * 365))
        woman = rng.random() < 0.5 if female is None else female
        nik = f"150403{day.day + (40 if woman else 0):02d}{day:%m%y}{rng.randrange(1, 10_000):04d}"
        if nik not in _DRAWN:
            _DRAWN.add(nik)
            return nik


def jambi_worker(rng: random.Random, **changed: object) -> dict[str, Any]:
    """A Batanghari farmer with a fresh NIK, as the registration API takes it; ``changed`` replaces fields."""
    return {
        "client_id": str(uuid.uuid4()),
        "nik": jambi_nik(rng),
        "name": "Pekerja Beban",
        "village_code": JAMBI_VILLAGE,
        "segment": "farmer",
        "programmes": ["JKK", "JKM"],
        "income_bracket": 1_000_000,
        "channel": "village_office",
        "registered_on": "2025-03-10",
    } | changed


def jambi_workers(n: int, campaign: str) -> list[dict[str, object]]:
    """``n`` Batanghari workers with unique NIKs, all of ``campaign`` (a metrics key of the test's own)."""
    rng = random.Random()
    return [jambi_worker(rng, campaign_id=campaign) for _ in range(n)]


def payment(pid: str) -> dict[str, object]:
    """One month of JKK+JKM for a registered participant, as the API takes it."""
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


@dataclass
class ApiLoad:
    """Registrations in batches (and a payment for every second new participant), as a field tool
    sends them; what the API answered is the ground truth the counts are checked against."""

    stack: RunningStack
    people: list[dict[str, object]]
    batch: int = 40
    pause: float = 0.0
    retry_unavailable: bool = False
    accepted: list[str] = field(default_factory=list)
    #: NIKs the API already knew from before this load (another test's, on a reused stack).
    elsewhere: int = 0
    paid: list[str] = field(default_factory=list)
    #: Payments posted (one for every second participant created).
    payments_sent: int = 0
    problems: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    unavailable: list[httpx.Response] = field(default_factory=list)
    sent_batches: int = 0
    #: Registrations posted so far, the batch in flight included: an upper bound of what the API
    #: may have accepted at any moment (the answer of the batch in flight may not be back yet).
    registrations_sent: int = 0
    #: Registrations plus payments sent (a batch sent again after a 503 counts once).
    items: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    @property
    def expected(self) -> dict[str, int]:
        """The campaign counts the accepted registrations and recorded payments must make."""
        return {"registered": len(self.accepted), "paid": len(self.paid)}

    @property
    def answered(self) -> int:
        """Registrations answered as stored: created by this load, or known from before it."""
        return len(self.accepted) + self.elsewhere

    def run(self) -> None:
        """Send everything; with ``retry_unavailable``, a 503 batch is sent again after Retry-After."""
        headers = {"Authorization": f"Bearer {self.stack.token}"}
        with httpx.Client(base_url=self.stack.url("registration"), headers=headers, timeout=60) as api:
            for i in range(0, len(self.people), self.batch):
                if self.stop.is_set():
                    break
                self.registrations_sent += len(self.people[i : i + self.batch])
                answer = self._post(api, "/v1/registrations:batch", self.people[i : i + self.batch])
                if answer is None:
                    continue
                results = answer.json()["results"]
                ids = [r["participant_id"] for r in results if r["status"] == "created"]
                # The load's own NIKs are unique; one registered before is another test's person on
                # a stack that is reused: not this load's, neither accepted nor a fault.
                self.elsewhere += sum(1 for r in results if r["status"] == "already_registered")
                self.problems += [
                    str(r) for r in results if r["status"] not in ("created", "already_registered")
                ]
                self.accepted += ids
                payments = [payment(p) for p in ids[::2]]
                self.payments_sent += len(payments)
                pay = self._post(api, "/v1/contributions:batch", payments)
                if pay is not None:
                    results = pay.json()["results"]
                    self.paid += [r["participant_id"] for r in results if r["status"] == "recorded"]
                self.sent_batches += 1
                time.sleep(self.pause)

    def _post(self, api: httpx.Client, path: str, items: list[dict[str, object]]) -> httpx.Response | None:
        deadline = time.monotonic() + 120
        self.items += len(items)
        while True:
            try:
                answer = api.post(path, json={"items": items})
            except httpx.TransportError as err:
                self.problems.append(f"{path} {type(err).__name__}")
                return None
            self.statuses.append(answer.status_code)
            if answer.status_code == 200:
                return answer
            if answer.status_code == 503 and self.retry_unavailable and time.monotonic() < deadline:
                self.unavailable.append(answer)
                time.sleep(float(answer.headers.get("retry-after", "1")))
                continue
            self.problems.append(f"{path} {answer.status_code} {answer.text[:200]}")
            return None

    def start(self) -> None:
        """Run the load in a background thread."""
        self._thread = threading.Thread(target=self.run, daemon=True)
        self._thread.start()

    def join(self, timeout: float) -> None:
        """Wait for the background load; fail if it does not finish in ``timeout`` seconds."""
        assert self._thread is not None
        self._thread.join(timeout)
        assert not self._thread.is_alive(), f"the load did not finish in {timeout}s"

    def wait_batches(self, n: int, timeout: float = 120) -> None:
        """Wait until ``n`` batches were answered."""
        wait_for(lambda: self.sent_batches, until=lambda sent: sent >= n, timeout=timeout, what="load")


# --- events produced straight to Kafka ------------------------------------------------------------


def registered_event(campaign: str | None, participant: str | None = None) -> KafkaRecord:
    """A WorkerRegisteredV1 record for a Jambi farmer of ``campaign``."""
    data = WorkerRegisteredV1(
        participant_id=uuid.UUID(participant) if participant else uuid.uuid4(),
        branch="jambi",
        village_code=JAMBI_VILLAGE,
        segment="farmer",
        programmes=["JKK", "JKM"],
        income_bracket=1_000_000,
        channel="village_office",
        campaign_id=uuid.UUID(campaign) if campaign else None,
        registered_on=date(2025, 3, 10),
        registered_at=datetime.now(UTC),
    )
    return encode(data, event_id=str(uuid.uuid4()), source="/jangkau/e2e-faults", time=datetime.now(UTC))


def paid_event(participant: str, campaign: str | None) -> KafkaRecord:
    """A ContributionPaidV1 record: one month for ``participant``, attributed to ``campaign``."""
    data = ContributionPaidV1(
        contribution_id=uuid.uuid4(),
        participant_id=uuid.UUID(participant),
        branch="jambi",
        village_code=JAMBI_VILLAGE,
        segment="farmer",
        first_month="2025-03",
        months=1,
        paid_through="2025-03",
        amount=16_800,
        programmes=["JKK", "JKM"],
        payer_type="self",
        channel="village_office",
        campaign_id=uuid.UUID(campaign) if campaign else None,
        paid_on=date(2025, 3, 15),
        paid_at=datetime.now(UTC),
    )
    return encode(data, event_id=str(uuid.uuid4()), source="/jangkau/e2e-faults", time=datetime.now(UTC))


def planned_event(campaign: str) -> KafkaRecord:
    """A CampaignPlannedV1 record for a Jambi campaign."""
    data = CampaignPlannedV1(
        campaign_id=uuid.UUID(campaign),
        branch="jambi",
        name="Uji gangguan",
        kind="market_day",
        village_codes=[JAMBI_VILLAGE],
        place="Pasar",
        starts_on=date(2025, 3, 1),
        ends_on=date(2025, 3, 31),
        partners=[],
        target_registrations=10,
        target_first_payments=5,
        planned_at=datetime.now(UTC),
    )
    return encode(data, event_id=str(uuid.uuid4()), source="/jangkau/e2e-faults", time=datetime.now(UTC))


async def produce(bootstrap: str, records: list[KafkaRecord]) -> None:
    """Send ``records`` in order and wait until the broker acknowledged every one."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=2 * 1024 * 1024)
    await producer.start()
    try:
        acks = [await producer.send(r.topic, r.value, key=r.key, headers=r.headers) for r in records]
        for ack in acks:
            await ack
    finally:
        await producer.stop()


async def produce_at(bootstrap: str, records: list[KafkaRecord], per_second: float) -> None:
    """Send ``records`` at about ``per_second`` (in tenth-of-a-second slices), all acknowledged."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        step, acks = max(1, round(per_second / 10)), []
        started = time.monotonic()
        for n, i in enumerate(range(0, len(records), step)):
            for r in records[i : i + step]:
                acks.append(await producer.send(r.topic, r.value, key=r.key, headers=r.headers))
            await asyncio.sleep(max(0.0, started + (n + 1) / 10 - time.monotonic()))
        for ack in acks:
            await ack
    finally:
        await producer.stop()


async def records_of(bootstrap: str, names: Collection[str]) -> AsyncIterator[ConsumerRecord[bytes, bytes]]:
    """Every record of the topics ``names`` from offset 0 up to their end offsets at the time of the call."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, max_partition_fetch_bytes=4 * 1024 * 1024
    )
    await consumer.start()
    try:
        if any(not consumer.partitions_for_topic(t) for t in names):
            await consumer._client.force_metadata_update()
        parts = [TopicPartition(t, p) for t in names for p in (consumer.partitions_for_topic(t) or ())]
        left = {tp: end for tp, end in (await consumer.end_offsets(parts)).items() if end > 0}
        if left:
            consumer.assign(list(left))
            await consumer.seek_to_beginning(*left)
        while left:
            for tp, records in (await consumer.getmany(*left, timeout_ms=2000, max_records=20_000)).items():
                for record in records:
                    if record.offset < left.get(tp, 0):
                        yield record
            for tp in list(left):
                if await consumer.position(tp) >= left[tp]:
                    del left[tp]
    finally:
        await consumer.stop()


async def read_topic(bootstrap: str, topic: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of ``topic`` from offset 0 up to the end offsets at the time of the call."""
    return [record async for record in records_of(bootstrap, [topic])]


async def keys_on(bootstrap: str, topic: str) -> list[bytes]:
    """The keys of every record on ``topic`` (from offset 0)."""
    return [r.key for r in await read_topic(bootstrap, topic) if r.key]


# --- processes ------------------------------------------------------------------------------------


def pid_of(service: str) -> int:
    """The pid of a running service of the test profile (from its pidfile)."""
    return int(Path(SERVICES / f"{service}.pid").read_text().split()[0])


def gone(pid: int) -> bool:
    """True when no process ``pid`` is left."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def kill(pid: int, sig: signal.Signals = signal.SIGKILL, timeout: float = 60) -> int:
    """Send ``sig`` to ``pid`` and wait until the process is gone."""
    os.kill(pid, sig)
    wait_for(lambda: gone(pid), until=bool, timeout=timeout, interval=0.05, what=f"pid {pid} gone")
    return pid


def kill9(service: str) -> int:
    """SIGKILL a service of the test profile; return the pid it had."""
    return kill(pid_of(service), signal.SIGKILL, timeout=10)


def stop(service: str) -> None:
    """Stop a service of the test profile through ``deploy/services.sh`` (SIGTERM, then SIGKILL)."""
    deploy("services", "stop", service, timeout=90)


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (VmRSS of /proc/PID/status), 0 when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0
    found = re.search(r"^VmRSS:\s+(\d+) kB$", status, re.M)
    return int(found.group(1)) * 1024 if found else 0


def start(service: str) -> None:
    """Start a service of the test profile through ``deploy/services.sh`` (no-op if it runs)."""
    deploy("services", "start", service, timeout=150)


def extra_port(stack: RunningStack, service: str, offset: int, what: str) -> int:
    """A port for an extra process: the profile's ``service`` port + ``offset``.

    Derived from the profile's ports, so that runs of several profiles side by side never take
    each other's (an ephemeral port may lie in another profile's range). Fails if it is taken.
    """
    port = int(stack.url(service).rsplit(":", 1)[1]) + offset
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as err:
            raise AssertionError(f"port {port} of {what} is taken: {err}") from err
    return port


def extra_metrics_port(stack: RunningStack, n: int) -> int:
    """Port of the ``n``-th extra metrics instance (n >= 1): the profile's metrics port + 10 + n."""
    return extra_port(stack, "metrics", 10 + n, f"extra metrics instance {n}")


class ServiceProcess:
    """An extra process of a service (by default metrics, joining the same consumer group),
    started with the services' environment (plus ``env``) by ``deploy/services.sh exec`` on a
    port of its own; its output goes to ``SERVICE-NAME.log`` (emptied when the object is made,
    appended to by each launch)."""

    def __init__(
        self, name: str, port: int, *, service: str = "metrics", env: dict[str, str] | None = None
    ) -> None:
        self.name, self.port, self.service = name, port, service
        self.env = {**os.environ, **SERVICE_ENV, "JANGKAU_PROFILE": "test", **(env or {})}
        self.url = f"http://127.0.0.1:{port}"
        self.log = SERVICES / f"{service}-{name}.log"
        self.log.write_bytes(b"")
        self.process: subprocess.Popen[bytes] | None = None

    def launch(self) -> None:
        """Start the process (not waiting for it to be ready)."""
        assert not self.running, f"{self.name} runs already"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    "bash",
                    "deploy/services.sh",
                    "exec",
                    f".venv/bin/jangkau-{self.service}",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def running(self) -> bool:
        """True while the process has not exited."""
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout: float = 120) -> None:
        """Wait until /health/ready answers 200 (the counts are read and the database answers).

        On a timeout the failure carries the end of the instance's log, which the next launch
        of a process of the same name would empty.
        """
        try:
            wait_for(
                lambda: ready(self.url), until=lambda s: s == 200, timeout=timeout, what=f"{self.name} ready"
            )
        except AssertionError as err:
            tail = self.log.read_text(errors="replace").splitlines()[-40:]
            exited = None if self.process is None else self.process.poll()
            raise AssertionError(
                f"{err}; exit code {exited}; end of {self.log.name}:\n" + "\n".join(tail)
            ) from None

    def signal(self, sig: signal.Signals) -> None:
        """Send ``sig`` to the process."""
        assert self.process is not None
        self.process.send_signal(sig)

    def wait(self, timeout: float = 60) -> int:
        """Wait for the exit and return its code."""
        assert self.process is not None
        return self.process.wait(timeout)

    def terminate(self, timeout: float = 60) -> int:
        """SIGTERM (a graceful leave of the group); wait for the exit and return its code."""
        self.signal(signal.SIGTERM)
        return self.wait(timeout)

    def kill(self) -> None:
        """SIGKILL, if it still runs, and reap it."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(30)


# --- probes of the running services ---------------------------------------------------------------


def ready(url: str) -> int:
    """Status of a service's /health/ready (0 when it does not answer)."""
    try:
        return httpx.get(f"{url}/health/ready", timeout=5).status_code
    except httpx.TransportError:
        return 0


def campaign_counts(stack: RunningStack, campaign: str, url: str | None = None) -> dict[str, int]:
    """``{registered, paid}`` of a campaign on the metrics JSON API ({} if not there).

    ``url``: another metrics instance than the stack's.
    """
    try:
        base = url or stack.url("metrics")
        answer = httpx.get(f"{base}/v1/coverage", params={"by": "campaign"}, timeout=10)
    except httpx.TransportError:
        return {}
    if answer.status_code != 200:
        return {"status": answer.status_code}
    row = next((r for r in answer.json()["rows"] if r["key"] == campaign), None)
    return {"registered": row["registered"], "paid": row["registered"] - row["never_paid"]} if row else {}


def campaign_row(stack: RunningStack, campaign: str) -> dict[str, Any]:
    """The campaign's row of ``/v1/campaigns`` ({} if not there)."""
    try:
        answer = httpx.get(f"{stack.url('metrics')}/v1/campaigns", timeout=10)
    except httpx.TransportError:
        return {}
    if answer.status_code != 200:
        return {"status": answer.status_code}
    return next((r for r in answer.json() if r["campaign_id"] == campaign), {})


def page(url: str) -> str:
    """A /metrics page ('' when the service does not answer)."""
    try:
        return httpx.get(f"{url}/metrics", timeout=10).text
    except httpx.TransportError:
        return ""


def sample(text: str, name: str) -> float | None:
    """The value of one sample (name with labels, exactly as exposed) on a /metrics page."""
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    return float(found.group(1)) if found else None


def gauge(stack: RunningStack, name: str, service: str = "metrics") -> float | None:
    """A sample of a service's /metrics (0 when absent, None when the service does not answer)."""
    text = page(stack.url(service))
    if not text:
        return None
    value = sample(text, name)
    return 0.0 if value is None else value


def family_total(text: str, family: str) -> float:
    """The sum of every sample of a metric family on a /metrics page."""
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith((family + "{", family + " "))
    )


def total(stack: RunningStack, family: str, service: str = "metrics") -> float:
    """The sum of every sample of a metric family on a service's /metrics."""
    return family_total(page(stack.url(service)), family)


def dead_letters(stack: RunningStack) -> float:
    """Events the metrics consumers have dead-lettered since the process started."""
    return total(stack, "jangkau_events_dead_lettered_total")


def stable_gauge(stack: RunningStack, name: str) -> float:
    """The gauge once it has not moved for three seconds (earlier work has drained)."""
    last, since = gauge(stack, name), time.monotonic()
    deadline = since + 60
    while time.monotonic() - since < 3:
        assert time.monotonic() < deadline, f"{name} never settled"
        time.sleep(0.5)
        now = gauge(stack, name)
        if now != last:
            last, since = now, time.monotonic()
    assert last is not None
    return last


def settled(probe: Callable[[], T], expected: T, timeout: float, what: str) -> T:
    """Wait (bounded) until ``probe()`` equals ``expected``; return the last value either way.

    Tests record what they saw in the summary before asserting, so a failing test still reports.
    """
    try:
        return wait_for(probe, until=lambda v: v == expected, timeout=timeout, interval=1.0, what=what)
    except AssertionError:
        return probe()
