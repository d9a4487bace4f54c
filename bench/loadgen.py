"""A bounded HTTP load generator for the registration benchmarks (#3, #4), run as its own process.

It builds realistic registrations (unique NIKs of real villages served by a branch, names of the
region, brackets of the rate table) before the clock starts, sends them over loopback and prints
one JSON object on stdout. Modes:

- ``closed``: a fixed concurrency; each worker sends its next request when the last one answered;
  stops after ``--requests`` requests.
- ``open``: requests start at a fixed rate whatever the answers (``--rate`` per second for
  ``--duration`` seconds); latency counts from the planned start, so a slow server is not hidden.
- ``fresh``: batches at a fixed rate of items per second; the metrics service's JSON API is polled
  meanwhile, and each accepted registration is timed until the campaign's count on metrics covers it.

Usage: python bench/loadgen.py --url URL --mode closed --batch 1 --requests 2000 --concurrency 16 ...
"""

import argparse
import asyncio
import itertools
import random
import sys
import time
import tomllib
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources
from typing import Any

import aiohttp
import orjson
import uvloop

from jangkau_cli.simulate.names import person_name
from jangkau_registration.domain.rates import rate_table
from jangkau_shared.events import Channel, Segment
from jangkau_shared.places.areas import default_index
from jangkau_shared.places.branches import branch_for_village

PROGRAMME_START = date(2015, 7, 1)


def served_villages() -> list[str]:
    """Every desa/kelurahan of the reference data that a configured branch office serves."""
    return [a.code for a in default_index().by_level("village") if branch_for_village(a.code) is not None]


def registrations(
    n: int, *, first: int, seed: int, campaign: str | None = None, villages: list[str] | None = None
) -> list[dict[str, Any]]:
    """``n`` valid registrations; item ``first + k`` has a NIK no other index of any run shares.

    The NIK codes the village's district, a birth date and a serial: index i gets serial
    ``i % 9999 + 1`` and a birth day ``i // 9999`` days after 1966-01-01, so indexes never collide.
    """
    rng = random.Random(f"{seed}:{first}")  # noqa: S311 - reproducible load, not secrets
    places = villages or served_villages()
    rates = (resources.files("jangkau_registration") / "rates.toml").read_text("utf-8")
    brackets = rate_table(tomllib.loads(rates)).income_brackets
    segments, channels = list(Segment), list(Channel)
    today = date.today()
    items = []
    for i in range(first, first + n):
        village = rng.choice(places)
        female = rng.random() < 0.45
        birth = date(1966, 1, 1) + timedelta(days=i // 9999)
        day = birth.day + 40 if female else birth.day
        coded = f"{day:02d}{birth.month:02d}{birth.year % 100:02d}"
        nik = f"{village.replace('.', '')[:6]}{coded}{i % 9999 + 1:04d}"
        items.append(
            {
                "client_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "nik": nik,
                "name": person_name(rng, village[:2], female=female),
                "village_code": village,
                "segment": rng.choice(segments).value,
                "programmes": ["JKK", "JKM", "JHT"] if rng.random() < 0.2 else ["JKK", "JKM"],
                "income_bracket": rng.choice(brackets),
                "channel": rng.choice(channels).value,
                "registered_on": on(rng, today),
                "campaign_id": campaign,
            }
        )
    return items


def on(rng: random.Random, today: date) -> str:
    """A registration day in the last two months (never before the programme began)."""
    return max(PROGRAMME_START, today - timedelta(days=rng.randrange(1, 60))).isoformat()


def bodies(items: list[dict[str, Any]], batch: int) -> list[bytes]:
    """Request bodies: one item each (``batch`` 1) or ``{"items": [...]}`` of ``batch`` items."""
    if batch == 1:
        return [orjson.dumps(item) for item in items]
    return [orjson.dumps({"items": items[k : k + batch]}) for k in range(0, len(items), batch)]


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank ``q`` percentile (0 < q <= 100) of ``values``; 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))]


@dataclass
class Tally:
    """What came back: latencies of answered requests, statuses, items stored."""

    latencies: list[float] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)  # perf_counter of each request's (planned) start
    statuses: Counter[str] = field(default_factory=Counter)
    items_stored: int = 0

    def summary(self, seconds: float, **extra: Any) -> dict[str, Any]:
        """The figures the benchmark reports (milliseconds, per second)."""
        ms = [x * 1000 for x in self.latencies]
        ok = sum(n for s, n in self.statuses.items() if s.startswith("2"))
        return {
            "requests": len(self.latencies),
            "ok": ok,
            "statuses": dict(self.statuses),
            "items_stored": self.items_stored,
            "seconds": seconds,
            "rps": ok / seconds if seconds else 0.0,
            "items_per_s": self.items_stored / seconds if seconds else 0.0,
            "p50_ms": percentile(ms, 50),
            "p99_ms": percentile(ms, 99),
            "max_ms": max(ms, default=0.0),
            "latencies_ms": [round(x, 2) for x in ms],
            **extra,
        }


def stored(status: int, payload: bytes) -> int:
    """Items a 2xx answer stored: 1 for a single item, the created ones of a batch."""
    if status >= 300:
        return 0
    answer = orjson.loads(payload)
    if "results" in answer:
        return sum(1 for r in answer["results"] if r.get("http_status") == 201)
    return int(answer.get("stored", 1))


class Client:
    """One keep-alive HTTP session posting JSON to one path."""

    def __init__(self, session: aiohttp.ClientSession, url: str, token: str | None) -> None:
        self._session, self._url = session, url
        self._headers = {"Content-Type": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"

    async def post(self, body: bytes, tally: Tally, started: float) -> tuple[float, int]:
        """Send one body; record its latency from ``started`` and what it stored.

        Returns the time of the answer and the number of items it stored.
        """
        count = 0
        try:
            async with self._session.post(self._url, data=body, headers=self._headers) as response:
                payload = await response.read()
                done = time.perf_counter()
                tally.statuses[str(response.status)] += 1
                count = stored(response.status, payload)
        except aiohttp.ClientError as err:
            done = time.perf_counter()
            tally.statuses[type(err).__name__] += 1
        tally.items_stored += count
        tally.latencies.append(done - started)
        tally.starts.append(started)
        return done, count


async def closed_loop(client: Client, work: list[bytes], concurrency: int) -> dict[str, Any]:
    """``concurrency`` workers send ``work`` back to back until it is used up."""
    tally, queue = Tally(), iter(work)

    async def worker() -> None:
        for body in queue:
            await client.post(body, tally, time.perf_counter())

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return tally.summary(time.perf_counter() - started, concurrency=concurrency)


async def open_loop(client: Client, work: list[bytes], rate: float) -> dict[str, Any]:
    """Start request k at ``k / rate`` seconds whatever happened before; latency from the planned start."""
    tally, tasks = Tally(), []
    started = time.perf_counter()
    for k, body in enumerate(work):
        planned = started + k / rate
        delay = planned - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(client.post(body, tally, planned)))
    await asyncio.gather(*tasks)
    seconds = time.perf_counter() - started
    late = sum(1 for x in tally.latencies if x > 0.05)
    windows = late_windows(tally.starts, tally.latencies)
    return tally.summary(
        seconds,
        rate=rate,
        over_50ms=late,
        late_windows=len(windows),
        longest_late_window_ms=max(windows, default=0.0) * 1000,
    )


def late_windows(starts: list[float], latencies: list[float], *, over: float = 0.05) -> list[float]:
    """Lengths in seconds of the stretches of time in which requests answered late.

    Late requests (over ``over`` seconds) whose spans from planned start to answer overlap form
    one stretch: a server that stalls for a while gives one long stretch, a server that queues
    at the edge of its capacity many short ones.
    """
    spans = sorted((s, s + x) for s, x in zip(starts, latencies, strict=True) if x > over)
    stretches: list[float] = []
    first, last = None, 0.0
    for begin, end in spans:
        if first is not None and begin <= last:
            last = max(last, end)
            continue
        if first is not None:
            stretches.append(last - first)
        first, last = begin, end
    if first is not None:
        stretches.append(last - first)
    return stretches


async def campaign_count(session: aiohttp.ClientSession, url: str, campaign: str) -> int:
    """Registered participants of ``campaign`` on the metrics service's JSON API."""
    async with session.get(url, params={"by": "campaign"}) as response:
        response.raise_for_status()
        rows = orjson.loads(await response.read())["rows"]
    return sum(r["registered"] for r in rows if r["key"] == campaign)


def visible_after(accepted: list[float], seen: list[tuple[float, int]]) -> list[float]:
    """Milliseconds from the k-th answer to the first poll counting at least k items."""
    waits, cursor = [], 0
    for rank, answered in enumerate(sorted(accepted), start=1):
        while seen[cursor][1] < rank:
            cursor += 1
        waits.append(max(0.0, seen[cursor][0] - answered) * 1000)
    return waits


async def freshness(
    client: Client,
    work: list[bytes],
    rate_items: float,
    batch: int,
    metrics_url: str,
    campaign: str,
    poll_seconds: float,
) -> dict[str, Any]:
    """Send batches at ``rate_items`` items/s; time each accepted item until metrics counts it.

    Items are counted, not traced: the k-th accepted item is visible at the first poll whose count
    reaches k (the fold keeps no order across partitions, so this pairs ranks, not identities).
    """
    tally = Tally()
    accepted: list[float] = []  # answer time of each accepted item, in order of answers
    seen: list[tuple[float, int]] = []  # (poll time, count)
    done = asyncio.Event()

    async def send_all() -> None:
        tasks = []
        started = time.perf_counter()
        for k, body in enumerate(work):
            planned = started + k * batch / rate_items
            delay = planned - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post_and_note(body, planned)))
        await asyncio.gather(*tasks)

    async def post_and_note(body: bytes, planned: float) -> None:
        answered, count = await client.post(body, tally, planned)
        accepted.extend([answered] * count)

    async def poll(session: aiohttp.ClientSession) -> None:
        while True:
            count = await campaign_count(session, metrics_url, campaign)
            seen.append((time.perf_counter(), count))
            if done.is_set() and count >= len(accepted):
                return
            await asyncio.sleep(poll_seconds)

    async with aiohttp.ClientSession() as metrics_session:
        poller = asyncio.create_task(poll(metrics_session))
        started = time.perf_counter()
        await send_all()
        sent = time.perf_counter() - started
        done.set()
        try:
            await asyncio.wait_for(poller, timeout=120)
        except TimeoutError:
            last = seen[-1][1] if seen else None
            async with metrics_session.get(metrics_url, params={"by": "campaign"}) as response:
                body = (await response.read())[:2000]
            raise SystemExit(f"metrics counted {last} of {len(accepted)} accepted items: {body!r}") from None
    waits = visible_after(accepted, seen)
    intervals = [b[0] - a[0] for a, b in itertools.pairwise(seen)]
    return tally.summary(
        sent,
        rate_items=rate_items,
        batch=batch,
        fresh_p50_ms=percentile(waits, 50),
        fresh_p99_ms=percentile(waits, 99),
        fresh_max_ms=max(waits, default=0.0),
        polls=len(seen),
        poll_interval_ms=1000 * sum(intervals) / max(1, len(intervals)),
    )


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="full URL to POST to")
    parser.add_argument("--token", default=None, help="bearer token")
    parser.add_argument("--mode", choices=("closed", "open", "fresh"), default="closed")
    parser.add_argument("--batch", type=int, default=1, help="items per request (1: the single-item body)")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rate", type=float, default=300.0, help="requests/s (open) or items/s (fresh)")
    parser.add_argument("--warmup", type=int, default=0, help="requests sent first and not counted")
    parser.add_argument("--first", type=int, default=0, help="index of the first item (keeps NIKs unique)")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--campaign", default=None, help="campaign id put on every item")
    parser.add_argument("--villages", type=int, default=0, help="use only the first N villages (0: all)")
    parser.add_argument("--metrics-url", default=None, help="metrics /v1/coverage URL (fresh mode)")
    parser.add_argument("--poll-ms", type=float, default=25.0, help="pause between polls (fresh mode)")
    return parser.parse_args()


async def main(args: argparse.Namespace) -> dict[str, Any]:
    villages = served_villages()
    if args.villages:
        villages = villages[:: max(1, len(villages) // args.villages)][: args.villages]
    total = (args.warmup + args.requests) * args.batch
    items = registrations(total, first=args.first, seed=args.seed, campaign=args.campaign, villages=villages)
    work = bodies(items, args.batch)
    warm, timed = work[: args.warmup], work[args.warmup :]
    # Open loops may hold many requests in flight, within what one client host sensibly opens.
    limit = args.concurrency if args.mode == "closed" else 256
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=limit)) as session:
        client = Client(session, args.url, args.token)
        if warm:
            await closed_loop(client, warm, min(len(warm), max(1, args.concurrency)))
        if args.mode == "closed":
            result = await closed_loop(client, timed, args.concurrency)
        elif args.mode == "open":
            result = await open_loop(client, timed, args.rate)
        else:
            if not (args.metrics_url and args.campaign):
                raise SystemExit("fresh mode needs --metrics-url and --campaign")
            result = await freshness(
                client, timed, args.rate, args.batch, args.metrics_url, args.campaign, args.poll_ms / 1000
            )
    return result | {"mode": args.mode, "batch": args.batch}


if __name__ == "__main__":
    sys.stdout.write(orjson.dumps(uvloop.run(main(arguments()))).decode() + "\n")
