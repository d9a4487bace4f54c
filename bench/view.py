"""Benchmarks #8 and #9: a metrics instance over a large store: its time to exact answers, and
``/v1/coverage`` latency.

The store is filled inside PostgreSQL with set-based SQL (``generate_series``): participants
spread over hundreds of branches (of skewed sizes), a hundred villages each, 10 segments and a few
campaigns per branch, each registered over about three years with a staircase of 0-4 payments
(1-12 months each) over the months after; one contribution per step; the count tables aggregated
from them with the statements of migration 0003's backfill, each row in its participant's
partition share. The smoke run proves the store consistent with ``SqlCoverageStore.audit``.

- **#8a/#8b**: ``jangkau-metrics serve`` started as deploy/services.sh starts it (its topics made
  beforehand, so both stores pay the same); timed from the process start until
  ``/v1/coverage?by=branch`` answers and equals the registered and never-paid totals counted from
  the participants table.
- **#9a/#9b/#9c**: p99 of ``/v1/coverage`` on the larger store, one closed-loop httpx client:
  by branch (today), by village of one branch, and a past day of one branch, branches in turn.

Run alone: uv run python bench/view.py [--smoke]
"""

import argparse
import asyncio
import contextlib
import logging
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx
import uvloop
from common import MONTHLY_RUPIAH, REPO, Row, Stack, fresh_database, test_stack
from launch import free_port, service_argv, service_env
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from jangkau_metrics.adapters import statements as sql
from jangkau_metrics.adapters.plan_file import read_plan
from jangkau_metrics.adapters.sql import SqlCoverageStore
from jangkau_metrics.bootstrap import MIGRATIONS, local_today
from jangkau_metrics.config import MetricsSettings
from jangkau_metrics.domain.snapshot import Snapshot
from jangkau_metrics.domain.view import View
from jangkau_shared import db, kafka
from jangkau_shared.events import PayerType, Segment
from jangkau_shared.topics import PARTICIPANT_TOPIC_PARTITIONS

log = logging.getLogger("bench.view")


@dataclass(frozen=True)
class Sizes:
    """The two stores (participants), the shape of their data, and the requests per p99."""

    small: int = 1_000_000
    large: int = 10_000_000
    branches: int = 300
    villages_per_branch: int = 100
    campaigns_per_branch: int = 3
    requests: int = 200
    warmup: int = 20

    @classmethod
    def smoke(cls) -> "Sizes":
        """Tiny sizes that only prove the machinery works."""
        return cls(small=2_000, large=6_000, branches=12, villages_per_branch=5, requests=10, warmup=2)


# -- generation -------------------------------------------------------------------------------------

#: $1 participants, $2 branches, $3 villages per branch, $4 campaigns per branch, $5 segments, $6 the
#: last day (yesterday in the service's zone). Branch sizes are skewed (the largest holds about 1 %
#: of everyone, the mean 0.33 %); 40 % came through one of their branch's campaigns. The staircase
#: has 0-4 steps (25/30/25/12/8 %), each on a strictly later day (30-270 days apart, none after the
#: last day) paying 1-12 more months from the registration month on.
PARTICIPANTS = """
    INSERT INTO participants (participant_id, branch, village_code, segment, campaign_id, registered,
                              registered_on, paid_through, steps_paid_on, steps_paid_through)
    SELECT id, 'b' || lpad(b::text, 3, '0'),
           lpad((11 + b % 80)::text, 2, '0') || '.' || lpad((1 + b / 80)::text, 2, '0') || '.'
               || lpad((1 + v / 10)::text, 2, '0') || '.' || lpad((2001 + v)::text, 4, '0'),
           segment,
           CASE WHEN c IS NULL THEN '' ELSE md5('campaign ' || b || ' ' || c)::uuid::text END,
           true, registered_on,
           CASE WHEN k > 0 THEN first_month + k * span - 1 END,
           (ARRAY[registered_on + gap, registered_on + 2 * gap, registered_on + 3 * gap,
                  registered_on + 4 * gap])[1:k],
           (ARRAY[first_month + span - 1, first_month + 2 * span - 1, first_month + 3 * span - 1,
                  first_month + 4 * span - 1])[1:k]
    FROM (
        SELECT *, greatest(1, least(gap0, (last - registered_on) / greatest(k, 1))) AS gap,
               (extract(year FROM registered_on) * 12 + extract(month FROM registered_on) - 1)::int
                   AS first_month
        FROM (
            SELECT *, least(k0, last - registered_on) AS k
            FROM (
                SELECT gen_random_uuid() AS id,
                       floor($2 * power(random(), 1.3))::int AS b,
                       floor($3 * random())::int AS v,
                       ($5::text[])[1 + floor(10 * random())::int] AS segment,
                       CASE WHEN random() < 0.4 THEN floor($4 * random())::int END AS c,
                       $6::date - floor(1095 * random())::int AS registered_on,
                       width_bucket(random(), ARRAY[0.25, 0.55, 0.80, 0.92]::float8[]) AS k0,
                       (ARRAY[1, 1, 3, 3, 6, 12])[1 + floor(6 * random())::int] AS span,
                       30 + floor(240 * random())::int AS gap0,
                       $6::date AS last
                FROM generate_series(1, $1)
            ) AS draws
        ) AS steps
    ) AS p
"""

#: One contribution per step of each staircase: the months it added ($2 rupiah each), payer types
#: skewed towards the first of $1 ("self").
CONTRIBUTIONS = """
    INSERT INTO contributions
        (contribution_id, participant_id, branch, payer_type, campaign_id, paid_on, amount, paid_through)
    SELECT gen_random_uuid(), participant_id, branch,
           ($1::text[])[1 + floor(cardinality($1::text[]) * power(random(), 2))::int], campaign_id, d,
           $2 * (m - coalesce(steps_paid_through[i - 1],
                              (extract(year FROM registered_on) * 12
                               + extract(month FROM registered_on) - 2)::int)),
           m
    FROM participants, unnest(steps_paid_on, steps_paid_through) WITH ORDINALITY AS s(d, m, i)
"""

#: A participant's Kafka partition share of the count rows (its events' key is its id).
PART = f"get_byte(uuid_send(participant_id), 15) % {PARTICIPANT_TOPIC_PARTITIONS}"

#: The backfills of migrations 0003 and 0004, with each row in its participant's partition share.
COUNTS = tuple(
    statement.replace("{part}", PART)
    for statement in (
        """
    INSERT INTO coverage_counts (part, branch, segment, campaign_id, registered, paid_through, n)
    SELECT {part}, branch, segment, campaign_id, registered, coalesce(paid_through, -1), count(*)
    FROM participants GROUP BY 1, 2, 3, 4, 5, 6
    """,
        """
    INSERT INTO registration_years (part, branch, year, n)
    SELECT {part}, branch, extract(year FROM registered_on)::int, count(*)
    FROM participants WHERE registered AND registered_on IS NOT NULL GROUP BY 1, 2, 3
    """,
        """
    INSERT INTO contribution_totals (part, branch, payer_type, campaign_id, contributions, rupiah)
    SELECT {part}, branch, payer_type, campaign_id, count(*), sum(amount) FROM contributions
    GROUP BY 1, 2, 3, 4
    """,
        """
    INSERT INTO daily_totals (day, branch, part, registrations, contributions, rupiah)
    SELECT day, branch, part, coalesce(r.n, 0), coalesce(c.n, 0), coalesce(c.rupiah, 0)
    FROM (SELECT registered_on AS day, branch, {part} AS part, count(*) AS n FROM participants
          WHERE registered AND registered_on IS NOT NULL GROUP BY 1, 2, 3) AS r
    FULL JOIN (SELECT paid_on AS day, branch, {part} AS part, count(*) AS n, sum(amount) AS rupiah
               FROM contributions GROUP BY 1, 2, 3) AS c USING (day, branch, part)
    """,
        """
    INSERT INTO village_counts (part, branch, village_code, paid_through, n)
    SELECT {part}, branch, village_code, coalesce(paid_through, -1), count(*)
    FROM participants WHERE registered GROUP BY 1, 2, 3, 4
    """,
        f"""
    INSERT INTO standing_moves (part, branch, day, paid_through, n)
    SELECT part, branch, day, month, sum(n) FROM ({sql.PARTICIPANT_MOVES}) AS moves
    GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0
    """,  # noqa: S608 - built from a constant of the store, no input
    )
)

#: The campaigns the participants came through, as the campaign events would have merged them.
CAMPAIGNS = """
    INSERT INTO campaigns (campaign_id, branch, status, status_rank, name, kind)
    SELECT DISTINCT campaign_id, branch, 'closed', 3, 'bench campaign', 'village_meeting'
    FROM coverage_counts WHERE campaign_id <> ''
"""

#: What #8 waits for: per branch, registered and never paid, counted from the participants.
EXPECTED = """
    SELECT branch, count(*), count(*) FILTER (WHERE paid_through IS NULL)
    FROM participants WHERE registered GROUP BY branch
"""


@dataclass(frozen=True)
class Store:
    """A generated store: its URL, the figures #8 waits for, and how long it took to make."""

    url: str
    participants: int
    contributions: int
    count_rows: int
    expected: dict[str, tuple[int, int]]
    seconds: float
    #: coverage_counts rows after the compaction a running instance does within a minute
    compacted_rows: int = 0
    compaction_seconds: float = 0.0


async def generate(url: str, participants: int, sizes: Sizes, last_day: date) -> Store:
    """Fill a migrated, empty metrics database; indexes are built after the rows (sorted, once)."""
    started = time.perf_counter()
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute("SET maintenance_work_mem = '512MB'; SET work_mem = '256MB'")
        await conn.execute(
            "ALTER TABLE participants DROP CONSTRAINT participants_pkey;"
            "DROP INDEX ix_participants_branch;"
            "ALTER TABLE contributions DROP CONSTRAINT contributions_pkey"
        )
        segments = [s.value for s in Segment]
        await conn.execute(
            PARTICIPANTS,
            participants,
            sizes.branches,
            sizes.villages_per_branch,
            sizes.campaigns_per_branch,
            segments,
            last_day,
        )
        await conn.execute(CONTRIBUTIONS, [p.value for p in PayerType], MONTHLY_RUPIAH)
        await conn.execute(
            "ALTER TABLE participants ADD CONSTRAINT participants_pkey PRIMARY KEY (participant_id);"
            "CREATE INDEX ix_participants_branch ON participants (branch);"
            "ALTER TABLE contributions ADD CONSTRAINT contributions_pkey PRIMARY KEY (contribution_id)"
        )
        for statement in COUNTS:
            await conn.execute(statement)
        await conn.execute(CAMPAIGNS)
        # Hint bits, the visibility map and statistics, as a long-lived store has them.
        await conn.execute("VACUUM (ANALYZE)")
        expected = {b: (r, n) for b, r, n in await conn.fetch(EXPECTED)}
        contributions = await conn.fetchval("SELECT count(*) FROM contributions")
        count_rows = await conn.fetchval("SELECT count(*) FROM coverage_counts")
    finally:
        await conn.close()
    return Store(url, participants, contributions, count_rows, expected, time.perf_counter() - started)


@contextlib.asynccontextmanager
async def generated(stack: Stack, participants: int, sizes: Sizes, *, audit: bool) -> AsyncIterator[Store]:
    """A fresh database with ``participants`` generated in it (dropped afterwards)."""
    async with fresh_database(stack) as url:
        engine = create_async_engine(url)
        try:
            await db.upgrade(engine, MIGRATIONS)
            store = await generate(url, participants, sizes, local_today(7)() - timedelta(days=1))
            store = await compacted(engine, store)
            if audit:
                differences = await SqlCoverageStore(engine).audit()
                if differences:
                    raise RuntimeError(f"generated count tables differ: {differences[:5]}")
        finally:
            await engine.dispose()
        log.info("generated %s participants in %.0f s", f"{participants:,}", store.seconds)
        yield store


async def compacted(engine: AsyncEngine, store: Store) -> Store:
    """The store after an instance's compaction (partition shares folded into one row per key),
    as any store served for more than a minute is; then vacuumed as autovacuum would."""
    started, metrics_store = time.perf_counter(), SqlCoverageStore(engine)
    while await metrics_store.compact(5_000):
        pass
    seconds = time.perf_counter() - started
    conn = await asyncpg.connect(store.url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute("VACUUM (ANALYZE)")
        rows = await conn.fetchval("SELECT count(*) FROM coverage_counts")
    finally:
        await conn.close()
    log.info(
        "compacted %s coverage_counts rows to %s in %.0f s", f"{store.count_rows:,}", f"{rows:,}", seconds
    )
    return replace(store, compacted_rows=rows, compaction_seconds=seconds)


# -- measuring ------------------------------------------------------------------------------------


async def view_read_seconds(url: str) -> float:
    """The first read of the count rows alone, in this process: ``changes(0)`` and the view's ``apply``."""
    engine = create_async_engine(url)
    try:
        store = SqlCoverageStore(engine)
        await store.changes(0)  # connect and warm the statement cache out of the timing
        started = time.perf_counter()
        View(Snapshot(plan=read_plan(None))).apply(await store.changes(0))
        return time.perf_counter() - started
    finally:
        await engine.dispose()


@dataclass(frozen=True)
class Serving:
    """A metrics process over a generated store, and how long it took to answer exactly."""

    url: str
    seconds_to_exact: float


@contextlib.asynccontextmanager
async def serving(stack: Stack, store: Store, limit_seconds: float) -> AsyncIterator[Serving]:
    """Start ``jangkau-metrics serve`` on the store; the time from its start to exact answers."""
    prefix = f"bench{uuid.uuid4().hex[:10]}."
    await kafka.ensure_topics(
        MetricsSettings(
            environment="test",
            kafka_bootstrap_servers=stack.kafka,
            kafka_topic_prefix=prefix,
            database_url=store.url,
        )
    )
    env = service_env(
        stack,
        "metrics",
        {"DATABASE_URL": store.url, "KAFKA_TOPIC_PREFIX": prefix, "CONSUMER_GROUP": f"{prefix}metrics"},
    )
    port = free_port()
    logs = REPO / ".jangkau" / "test" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    with (logs / "metrics-view.log").open("wb") as out:
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            *service_argv("metrics"), "--port", str(port), env=env, cwd=REPO, stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            seconds = await _until_exact(http, store.expected, started, process, max(limit_seconds, 120.0))
        yield Serving(base, seconds)
    finally:
        if process.returncode is None:
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()


async def _until_exact(
    http: httpx.AsyncClient,
    expected: dict[str, tuple[int, int]],
    started: float,
    process: asyncio.subprocess.Process,
    limit_seconds: float,
) -> float:
    """Poll ``/v1/coverage?by=branch`` every 10 ms until it equals ``expected``; seconds since ``started``."""
    while time.perf_counter() - started < limit_seconds:
        if process.returncode is not None:
            raise RuntimeError(f"metrics exited with {process.returncode} before answering")
        with contextlib.suppress(httpx.TransportError):
            answer = await http.get("/v1/coverage", params={"by": "branch"})
            if answer.status_code == 200:
                rows = {r["key"]: (r["registered"], r["never_paid"]) for r in answer.json()["rows"]}
                if rows == expected:
                    return time.perf_counter() - started
        await asyncio.sleep(0.01)
    raise TimeoutError(f"metrics did not answer the expected counts within {limit_seconds:.0f} s")


async def latencies(http: httpx.AsyncClient, queries: list[dict[str, str]], warmup: int) -> list[float]:
    """Send the queries one after another (closed loop, the first ``warmup`` untimed); seconds each."""
    seconds = []
    for i, params in enumerate(queries):
        started = time.perf_counter()
        answer = await http.get("/v1/coverage", params=params)
        elapsed = time.perf_counter() - started
        answer.raise_for_status()
        if i >= warmup:
            seconds.append(elapsed)
    return seconds


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def p99s(base: str, store: Store, sizes: Sizes) -> dict[str, tuple[float, float, int]]:
    """p99, p50 (ms) and the rows answered of the three #9 queries, branches taken in turn."""
    branches = sorted(store.expected)  # b000 (the largest) first
    n = sizes.requests + sizes.warmup
    turn = [branches[i % len(branches)] for i in range(n)]
    past = (local_today(7)() - timedelta(days=200)).isoformat()
    queries = {
        "branch": [{"by": "branch"} for _ in range(n)],
        "village": [{"by": "village", "branch": b} for b in turn],
        "past": [{"by": "branch", "branch": b, "as_of": past} for b in turn],
    }
    figures = {}
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        for name, params in queries.items():
            seconds = await latencies(http, params, sizes.warmup)
            rows = len((await http.get("/v1/coverage", params=params[0])).json()["rows"])
            figures[name] = (percentile(seconds, 0.99) * 1000, statistics.median(seconds) * 1000, rows)
    return figures


async def measure(stack: Stack, sizes: Sizes, *, limit_seconds: float) -> dict[str, Any]:
    """#8 on the small then the large store; #9 on the large one. Each store is dropped after."""
    figures: dict[str, Any] = {}
    for label, participants in (("small", sizes.small), ("large", sizes.large)):
        async with generated(stack, participants, sizes, audit=participants <= 10_000) as store:
            read = await view_read_seconds(store.url)
            async with serving(stack, store, limit_seconds) as served:
                figures[label] = {
                    "participants": participants,
                    "contributions": store.contributions,
                    "count_rows": store.count_rows,
                    "compacted_rows": store.compacted_rows,
                    "compaction_seconds": store.compaction_seconds,
                    "generated_seconds": store.seconds,
                    "view_read_seconds": read,
                    "seconds_to_exact": served.seconds_to_exact,
                }
                log.info("view %s: %s", label, figures[label])
                if label == "large":
                    figures["p99"] = await p99s(served.url, store, sizes)
    log.info("view: %s", figures)
    return figures


def rows(figures: dict[str, Any], sizes: Sizes) -> list[Row]:
    """#8a, #8b, #9a, #9b, #9c."""
    small, large = figures["small"], figures["large"]
    out = []
    for id, f, baseline in (("8a", small, None), ("8b", large, small)):
        ms = f["seconds_to_exact"] * 1000
        what = (
            f"new metrics instance, process start to exact /v1/coverage?by=branch, "
            f"{f['participants']:,} participants ({f['contributions']:,} contributions, "
            f"{f['count_rows']:,} coverage_counts rows, {f['compacted_rows']:,} once compacted in "
            f"{f['compaction_seconds']:.0f} s; the first read of the count rows alone "
            f"{f['view_read_seconds'] * 1000:,.0f} ms; store generated in {f['generated_seconds']:.0f} s)"
        )
        if baseline is None:
            out.append(Row(id, what, ms, None, "ms", "<= 5,000 ms", None, ms <= 5_000))
        else:
            base = baseline["seconds_to_exact"] * 1000
            ratio = ms / base
            holds = ms <= 5_000 and ratio <= 1.5
            out.append(Row(id, f"{what}, vs 8a", ms, base, "ms", "<= 5,000 ms, ratio <= 1.5", ratio, holds))
    goals = {"branch": ("9a", 100), "village": ("9b", 250), "past": ("9c", 1_000)}
    described = {
        "branch": "by branch, today (every branch)",
        "village": "by village of one branch, today (branches in turn)",
        "past": "a past day (200 days ago) of one branch (branches in turn)",
    }
    for name, (p99, p50, answered) in figures["p99"].items():
        id, goal = goals[name]
        what = (
            f"/v1/coverage p99 at {large['participants']:,} participants, {described[name]}; "
            f"{sizes.requests} requests after {sizes.warmup} untimed, one at a time (p50 {p50:,.1f} ms; "
            f"{answered} rows in the first answer)"
        )
        out.append(Row(id, what, p99, None, "ms", f"<= {goal:,} ms", None, p99 <= goal))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny stores")
    parser.add_argument("--small", type=int, help="participants of the first store (1,000,000)")
    parser.add_argument("--large", type=int, help="participants of the second store (10,000,000)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    sizes = Sizes.smoke() if args.smoke else Sizes()
    sizes = replace(sizes, small=args.small or sizes.small, large=args.large or sizes.large)
    figures = uvloop.run(measure(test_stack(), sizes, limit_seconds=900.0))
    for row in rows(figures, sizes):
        print(row)  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
