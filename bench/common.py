"""What every benchmark needs: the test stack, fresh databases, realistic events, fast producing."""

import asyncio
import logging
import os
import random
import shlex
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaProducer

from jangkau_metrics.domain.months import month_text
from jangkau_shared.envelope import KafkaRecord, encode
from jangkau_shared.events import (
    Channel,
    ContributionPaidV1,
    EventData,
    PayerType,
    Programme,
    Segment,
    WorkerRegisteredV1,
)

log = logging.getLogger("bench")

REPO = Path(__file__).resolve().parents[1]
MILLION = 1_000_000
BRANCHES = ("denpasar", "serang", "tangerang", "cilegon", "pandeglang", "lebak", "gianyar", "badung")
MONTHLY_RUPIAH = 16_800


@dataclass(frozen=True)
class Stack:
    """Addresses of the running test-profile stack."""

    env: dict[str, str]

    @property
    def kafka(self) -> str:
        """Bootstrap servers of the broker."""
        return self.env["JANGKAU_KAFKA_BOOTSTRAP"]

    def database_url(self, name: str) -> str:
        """SQLAlchemy URL of a database on the cluster."""
        e = self.env
        return (
            f"postgresql+asyncpg://{e['JANGKAU_PG_USER']}:{e['JANGKAU_PG_PASSWORD']}"
            f"@{e['JANGKAU_PG_HOST']}:{e['JANGKAU_PG_PORT']}/{name}"
        )

    @property
    def admin_dsn(self) -> str:
        """asyncpg DSN of the cluster's ``postgres`` database (to create, drop, checkpoint)."""
        return self.database_url("postgres").replace("postgresql+asyncpg", "postgresql")


@dataclass(frozen=True)
class Row:
    """One line of the table: a figure beside its same-run baseline."""

    id: str
    what: str
    value: float
    baseline: float | None
    unit: str
    goal: str
    ratio: float | None = None
    holds: bool | None = None


@dataclass(frozen=True)
class Bench:
    """What every row producer gets: the stack, the sizes asked for, the time each phase may take."""

    stack: Stack
    events: int
    rows: int
    limit_seconds: float
    smoke: bool = False

    async def settle(self) -> float:
        """``settle`` the stack's machine; a smoke run waits for quiet cores at most 5 s."""
        return await settle(self.stack, longest=5.0 if self.smoke else 90.0)


def ratio_row(
    id: str, what: str, value: float, baseline: float, unit: str, *, goal: float, at_most: bool = False
) -> Row:
    """A row whose goal is a ratio of value to baseline (at least ``goal``, or at most with ``at_most``)."""
    ratio = value / baseline
    holds = ratio <= goal if at_most else ratio >= goal
    return Row(id, what, value, baseline, unit, f"{'<=' if at_most else '>='} {goal}", ratio, holds)


def test_stack() -> Stack:
    """Read the connection variables ``deploy/stack.sh env`` prints for the test profile."""
    out = subprocess.run(  # noqa: S603 - fixed argv, our own script
        ["bash", str(REPO / "deploy" / "stack.sh"), "env"],  # noqa: S607
        env={**os.environ, "JANGKAU_PROFILE": "test"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    env: dict[str, str] = {}
    for line in out.splitlines():
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            env[name] = shlex.split(value)[0] if value else ""
    return Stack(env)


@asynccontextmanager
async def fresh_database(stack: Stack) -> AsyncIterator[str]:
    """A new empty database for one benchmark (SQLAlchemy URL), dropped afterwards."""
    admin = await asyncpg.connect(stack.admin_dsn)
    name = f"bench_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield stack.database_url(name)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def topic_prefix() -> str:
    """A fresh prefix: the run gets its own topics and consumer groups."""
    return f"bench{uuid.uuid4().hex[:10]}."


def participant_events(n: int, *, seed: int = 8) -> list[EventData]:
    """``n`` events: each participant registered, then (mostly) paying 1-12 months.

    Shaped like a campaign season in two provinces: 8 branches, 400 villages, 10 segments.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    villages = [
        f"{rng.randint(11, 94):02d}.{rng.randint(1, 99):02d}.{rng.randint(1, 40):02d}.{v:04d}"
        for v in range(400)
    ]
    segments = list(Segment)
    at = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    events: list[EventData] = []
    while len(events) < n:
        pid = uuid.UUID(int=rng.getrandbits(128), version=4)
        branch, village, segment = rng.choice(BRANCHES), rng.choice(villages), rng.choice(segments)
        day = date(2026, 1, 1) + timedelta(days=rng.randrange(60))
        events.append(_registration(pid, branch, village, segment, day, at))
        if len(events) < n and rng.random() < 0.9:
            events.append(_payment(rng, pid, branch, village, segment, day, at))
    return events


def _registration(
    pid: uuid.UUID, branch: str, village: str, segment: Segment, day: date, at: datetime
) -> WorkerRegisteredV1:
    return WorkerRegisteredV1(
        participant_id=pid,
        branch=branch,
        village_code=village,
        segment=segment,
        programmes=[Programme.JKK, Programme.JKM],
        income_bracket=1_000_000,
        channel=Channel.BOOTH,
        campaign_id=None,
        registered_on=day,
        registered_at=at,
    )


def _payment(
    rng: random.Random, pid: uuid.UUID, branch: str, village: str, segment: Segment, day: date, at: datetime
) -> ContributionPaidV1:
    months = rng.choice((1, 1, 3, 3, 6, 12))
    first = 2026 * 12 + day.month - 1
    last = first + months - 1
    return ContributionPaidV1(
        contribution_id=uuid.UUID(int=rng.getrandbits(128), version=4),
        participant_id=pid,
        branch=branch,
        village_code=village,
        segment=segment,
        first_month=month_text(first),
        months=months,  # type: ignore[arg-type]
        paid_through=month_text(last),
        amount=MONTHLY_RUPIAH * months,
        programmes=[Programme.JKK, Programme.JKM],
        payer_type=rng.choice(list(PayerType)),
        channel=Channel.BOOTH,
        campaign_id=None,
        paid_on=day,
        paid_at=at,
    )


def encoded(events: Sequence[EventData]) -> list[KafkaRecord]:
    """The Kafka records the registry would publish (a fresh CloudEvents id each)."""
    at = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    return [encode(e, event_id=str(uuid.uuid4()), source="/bench", time=at) for e in events]


def fast_producer(bootstrap: str) -> AIOKafkaProducer:
    """An idempotent producer tuned for loading (large batches, a little linger)."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=True,
        acks="all",
        linger_ms=20,
        max_batch_size=1024 * 1024,
        compression_type=None,
    )


async def produce(producer: AIOKafkaProducer, records: Sequence[KafkaRecord], prefix: str) -> None:
    """Send every record without waiting one by one; wait for all acknowledgements at the end."""
    pending = []
    for r in records:
        pending.append(await producer.send(f"{prefix}{r.topic}", r.value, key=r.key, headers=r.headers))
        if len(pending) >= 20_000:
            await asyncio.gather(*pending)
            pending.clear()
    await asyncio.gather(*pending)


def cpu_busy(seconds: float = 1.0) -> float:
    """Share of all cores' time spent busy over the next ``seconds`` (from /proc/stat; blocks)."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat") as f:
            ticks = [int(x) for x in f.readline().split()[1:]]
        idle = ticks[3] + ticks[4]  # idle + iowait
        return sum(ticks), idle

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 1.0 - (idle1 - idle0) / max(1, total1 - total0)


async def settle(stack: Stack, *, busy_below: float = 0.2, longest: float = 90.0) -> float:
    """Let the work of an earlier measurement finish before the next one starts; the seconds it took.

    A phase that wrote a million rows leaves PostgreSQL a spread-out checkpoint and autovacuum to
    do, and the kernel dirty pages to write back, which would run under the next phase and charge
    it for the last one. So: force the checkpoint and the write-back now, then wait (at most
    ``longest`` seconds) until the machine's cores are busy less than ``busy_below`` of a second.
    """
    started = time.monotonic()
    admin = await asyncpg.connect(stack.admin_dsn)
    try:
        await admin.execute("CHECKPOINT")
    finally:
        await admin.close()
    # The broker's and the database's files sit dirty in the page cache; written back later, they
    # would stall every process that writes (the kernel throttles writers) in the next phase.
    await asyncio.to_thread(os.sync)
    while (busy := await asyncio.to_thread(cpu_busy)) >= busy_below:
        if time.monotonic() - started > longest:
            log.warning("machine still %.0f%% busy after %.0fs; measuring anyway", busy * 100, longest)
            break
    return time.monotonic() - started
