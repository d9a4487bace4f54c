"""Throughput of one, two and three metrics instances (separate processes) in one consumer group."""

import asyncio
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from common import Bench, Row, fresh_database
from fold import Preloaded, preload
from sqlalchemy.ext.asyncio import create_async_engine

from jangkau_metrics.adapters.sql import SqlCoverageStore
from jangkau_metrics.bootstrap import MIGRATIONS
from jangkau_shared import db

INSTANCE = Path(__file__).with_name("instance.py")


@dataclass(frozen=True)
class Folded:
    """What ``instances`` processes did: their rate, the store's counts, each one's RSS readings
    (before start, when half the events were committed, at the end)."""

    eps: float
    counts: dict[str, str]
    rss: list[tuple[int, int, int]]


async def fold_with(pre: Preloaded, instances: int, limit_seconds: float) -> Folded:
    """``instances`` processes fold every event into one fresh store.

    Timed from the go signal (processes started and assembled) to the group's committed offsets
    reaching the end: the group join and its rebalances are included. Each process notes its RSS
    when half the events are committed.
    """
    async with fresh_database(pre.stack) as url:
        engine = create_async_engine(url)
        try:
            await db.upgrade(engine, MIGRATIONS)
            group = f"{pre.prefix}scale-{uuid.uuid4().hex[:6]}"
            argv = [sys.executable, str(INSTANCE), pre.stack.kafka, pre.prefix, url, group]
            procs = [
                await asyncio.create_subprocess_exec(
                    *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
                )
                for _ in range(instances)
            ]
            try:
                for proc in procs:
                    assert proc.stdout is not None
                    if (line := await proc.stdout.readline()) != b"ready\n":
                        raise RuntimeError(f"metrics instance did not start: {line!r}")
                started = time.perf_counter()
                _tell(procs, b"go\n")
                await _until_committed(pre, group, pre.events // 2, limit_seconds)
                _tell(procs, b"mark\n")
                await _until_committed(pre, group, pre.events, limit_seconds)
                seconds = time.perf_counter() - started
            finally:
                _tell(procs, b"stop\n")
                rss = [await _rss(proc) for proc in procs]
            counts = await SqlCoverageStore(engine).fingerprint()
        finally:
            await engine.dispose()
    return Folded(pre.events / seconds, counts, rss)


async def _rss(proc: asyncio.subprocess.Process) -> tuple[int, int, int]:
    """Wait for an instance to stop; its RSS readings (``rss START MARK END``)."""
    assert proc.stdout is not None
    out = await asyncio.wait_for(proc.stdout.read(), timeout=60)
    await asyncio.wait_for(proc.wait(), timeout=60)
    _, start, mark, end = out.decode().split()
    return int(start), int(mark), int(end)


def _tell(procs: list[asyncio.subprocess.Process], line: bytes) -> None:
    for proc in procs:
        if proc.stdin is not None and proc.returncode is None:
            proc.stdin.write(line)


async def _until_committed(pre: Preloaded, group: str, events: int, limit_seconds: float) -> None:
    """Wait until the group has committed offsets past ``events`` of the preloaded events."""
    admin = AIOKafkaAdminClient(bootstrap_servers=pre.stack.kafka)
    await admin.start()
    deadline = time.monotonic() + limit_seconds
    try:
        while True:
            offsets = await admin.list_consumer_group_offsets(group)
            committed = sum(o.offset for tp, o in offsets.items() if tp.topic in pre.topics and o.offset > 0)
            if committed >= events:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"group {group} committed {committed} of {events} events")
            await asyncio.sleep(0.1)
    finally:
        await admin.close()


async def rows(bench: Bench) -> list[Row]:
    """One instance, then two, then three, on the same preloaded events (a quarter of #1's)."""
    pre = await preload(bench.stack, max(bench.events // 4, 1_000))
    one = await fold_with(pre, 1, bench.limit_seconds)
    two = await fold_with(pre, 2, bench.limit_seconds)
    three = await fold_with(pre, 3, bench.limit_seconds)
    same = one.counts == two.counts == three.counts
    what = (
        f"{pre.events:,} events, 6 partitions per topic, one store each; "
        f"the three stores' counts are {'equal' if same else '**different**'} cell by cell"
    )
    [(start, mark, end)] = one.rss
    later_half = pre.participants - pre.participants // 2
    return [
        Row(
            "1x",
            f"metrics fold, one instance (process) in the group ({what})",
            one.eps,
            None,
            "events/s",
            "-",
        ),
        _versus_one("2x", "two", two, one, same),
        _versus_one("3x", "three", three, one, same),
        Row(
            "7b",
            f"metrics RSS growth of the 1x process over the second half of its fold "
            f"({(end - mark) / 2**20:.1f} MiB for about {later_half:,} participants; "
            f"{(mark - start) / 2**20:.1f} MiB over the first half, connections and buffers included)",
            (end - mark) / later_half,
            None,
            "bytes/participant",
            "bounded",
        ),
    ]


def _versus_one(row: str, how_many: str, many: Folded, one: Folded, same: bool) -> Row:
    """The row of several instances folding the same events, against one."""
    return Row(
        row,
        f"metrics fold, {how_many} instances (processes) in the same group, vs one",
        many.eps,
        one.eps,
        "events/s",
        "> 1 (grows)",
        many.eps / one.eps,
        many.eps > one.eps and same,
    )
