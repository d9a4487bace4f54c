"""Benchmark #3: the registration API against a bare endpoint inserting the same row, in the same run.

Both servers run as deploy/services.sh runs the service (same command line, uvicorn settings,
pool) on one fresh database; the registration service runs its outbox relay to real Kafka. Load
comes from bench/loadgen.py, a separate process on loopback. Three measurements, each on both:

- single items, closed loop at a fixed concurrency: requests/s, p50 and p99 latency;
- batches of 500 items, closed loop: items/s;
- single items at a fixed 300 requests/s (open loop): p99 latency, counted from the planned start.

Run alone: uv run python bench/api.py [--smoke] [--profile bench/results]
"""

import argparse
import asyncio
import contextlib
import logging
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import REPO, Row, Stack, fresh_database, ratio_row, test_stack, topic_prefix
from launch import BENCH_KEYS, Server, load, migrate, profiling, service_argv, service_env, serving
from loadgen import percentile
from sqlalchemy.ext.asyncio import create_async_engine

from jangkau_registration.adapters.tables import api_tokens
from jangkau_shared.auth import TokenStore

log = logging.getLogger("bench.api")


@dataclass(frozen=True)
class Sizes:
    """How much load each measurement sends."""

    single: int = 1_600
    concurrency: int = 16
    batches: int = 12
    batch: int = 500
    batch_concurrency: int = 2
    rate: float = 300.0
    open_seconds: float = 10.0
    warmup: int = 100
    #: Alternating rounds per measurement (bare, service, bare, service, ...); sizes are per run.
    rounds: int = 2

    @classmethod
    def smoke(cls) -> "Sizes":
        """Tiny sizes that only prove the machinery works."""
        return cls(
            single=60, concurrency=4, batches=2, batch=50, rate=50.0, open_seconds=1.0, warmup=5, rounds=1
        )


@dataclass
class Registry:
    """The two servers under test and the bench's token."""

    service: Server
    bare: Server
    token: str


@contextlib.asynccontextmanager
async def registration_servers(
    stack: Stack, logs: Path, *, settings: dict[str, str] | None = None, bare: bool = True
) -> AsyncIterator[tuple[Server, Server | None, str, dict[str, str]]]:
    """A fresh database, the registration service on it (relay on) and optionally the bare app.

    Yields (service, bare, token, environment); the environment names the topic prefix.
    """
    async with fresh_database(stack) as url:
        env = service_env(
            stack,
            "registration",
            {"DATABASE_URL": url, "KAFKA_TOPIC_PREFIX": topic_prefix(), **BENCH_KEYS, **(settings or {})},
        )
        await asyncio.to_thread(migrate, "registration", env)
        engine = create_async_engine(url)
        try:
            _, token = await TokenStore(engine, api_tokens).create("bench", ["*"])
        finally:
            await engine.dispose()
        async with serving("registration", service_argv("registration"), env, logs) as service:
            if not bare:
                yield service, None, token, env
                return
            argv = [sys.executable, str(REPO / "bench" / "bare_app.py")]
            async with serving("bare", argv, env, logs) as baseline:
                yield service, baseline, token, env


def merged(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One result from the load generator's rounds: totals, rates over the summed time, percentiles."""
    seconds = sum(p["seconds"] for p in parts)
    latencies = [x for p in parts for x in p["latencies_ms"]]
    statuses: Counter[str] = Counter()
    for p in parts:
        statuses.update(p["statuses"])
    ok, items = sum(p["ok"] for p in parts), sum(p["items_stored"] for p in parts)
    return {
        **parts[0],
        "requests": len(latencies),
        "ok": ok,
        "statuses": dict(statuses),
        "items_stored": items,
        "seconds": seconds,
        "rps": ok / seconds,
        "items_per_s": items / seconds,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies, default=0.0),
        "over_50ms": sum(1 for x in latencies if x > 50),
        "late_windows": sum(p.get("late_windows", 0) for p in parts),
        "longest_late_window_ms": max((p.get("longest_late_window_ms", 0.0) for p in parts), default=0.0),
        "latencies_ms": [],
    }


async def _both(
    servers: Registry,
    path: str,
    args: list[str],
    first: int,
    *,
    rounds: int,
    limit: float,
    profile: Path | None,
    label: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The same load (other NIKs) on the bare app and on the service, in alternating rounds.

    The machine is shared: alternating rounds expose both servers to the same background load.
    """
    started = time.monotonic()
    parts: dict[str, list[dict[str, Any]]] = {"bare": [], "service": []}
    with profiling(servers.service, profile, label):
        for k in range(rounds):
            for name, server, token in (
                ("bare", servers.bare, []),
                ("service", servers.service, ["--token", servers.token]),
            ):
                offset = first + k * 1_000_000 + (5_000_000 if name == "service" else 0)
                round_args = args if k == 0 else _without_warmup(args)
                parts[name].append(
                    await load(
                        "--url", server.url + path, *token, "--first", str(offset), *round_args,
                        limit_seconds=limit,
                    )
                )  # fmt: skip
    bare, svc = merged(parts["bare"]), merged(parts["service"])
    log.info(
        "%s: %.1fs\n  bare %s\n  service %s", label, time.monotonic() - started, _brief(bare), _brief(svc)
    )
    for name, result in (("bare", bare), ("service", svc)):
        if result["ok"] < result["requests"] and result["mode"] == "closed":
            raise RuntimeError(f"{label}: {name} answered {result['statuses']}")
    return svc, bare


def _without_warmup(args: list[str]) -> list[str]:
    out = list(args)
    if "--warmup" in out:
        out[out.index("--warmup") + 1] = "0"
    return out


def _brief(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k != "latencies_ms"}


PHASES = ("single", "batch", "open")


async def measure(
    stack: Stack,
    sizes: Sizes,
    *,
    limit_seconds: float,
    profile: Path | None = None,
    tag: str = "",
    phases: tuple[str, ...] = PHASES,
) -> dict[str, Any]:
    """Run the three measurements; return the load generator's figures per measurement and server."""
    logs = REPO / ".jangkau" / "test" / "bench"
    per_round = max(1, round(sizes.rate * sizes.open_seconds / sizes.rounds))
    single = max(1, sizes.single // sizes.rounds)
    batches = max(1, sizes.batches // sizes.rounds)
    # phase: (path, load generator arguments, first item index, profiled)
    plan: dict[str, tuple[str, list[str], int, bool]] = {
        "single": (
            "/v1/registrations",
            ["--mode", "closed", "--requests", str(single), "--concurrency", str(sizes.concurrency),
             "--warmup", str(sizes.warmup)],
            0,
            True,
        ),
        "batch": (
            "/v1/registrations:batch",
            ["--mode", "closed", "--batch", str(sizes.batch), "--requests", str(batches),
             "--concurrency", str(sizes.batch_concurrency), "--warmup", "1"],
            10_000_000,
            True,
        ),
        "open": (
            "/v1/registrations",
            ["--mode", "open", "--rate", str(sizes.rate), "--requests", str(per_round),
             "--warmup", str(sizes.warmup), "--concurrency", str(sizes.concurrency)],
            20_000_000,
            False,
        ),
    }  # fmt: skip
    out: dict[str, Any] = {}
    async with registration_servers(stack, logs) as (service, bare, token, _):
        assert bare is not None
        servers = Registry(service, bare, token)
        for phase in phases:
            path, args, first, profiled = plan[phase]
            label = f"registration-{phase}{tag}"
            out[phase] = await _both(
                servers,
                path,
                args,
                first,
                rounds=sizes.rounds,
                limit=limit_seconds,
                profile=profile if profiled else None,
                label=label,
            )
    return out


def rows(figures: dict[str, Any], sizes: Sizes) -> list[Row]:
    """Table rows for #3."""
    (single, single_bare), (batch, batch_bare), (rated, rated_bare) = (
        figures["single"],
        figures["batch"],
        figures["open"],
    )
    return [
        ratio_row(
            "3a",
            f"registration API, single items, {sizes.concurrency} concurrent "
            f"({single['requests']:,} requests; p50 {single['p50_ms']:.1f} ms, "
            f"p99 {single['p99_ms']:.1f} ms; "
            f"bare p50 {single_bare['p50_ms']:.1f} ms, p99 {single_bare['p99_ms']:.1f} ms)",
            single["rps"],
            single_bare["rps"],
            "requests/s",
            goal=0.5,
        ),
        ratio_row(
            "3b",
            f"registration API, batches of {sizes.batch}, {sizes.batch_concurrency} concurrent "
            f"({batch['requests']} batches; p50 {batch['p50_ms']:.0f} ms per batch, "
            f"bare {batch_bare['p50_ms']:.0f} ms)",
            batch["items_per_s"],
            batch_bare["items_per_s"],
            "items/s",
            goal=0.5,
        ),
        Row(
            "3c",
            f"registration API p99 latency at {sizes.rate:.0f} requests/s, open loop "
            f"({rated['requests']:,} requests, {rated['over_50ms']} over 50 ms "
            f"in {_stretches(rated)}; bare: {rated_bare['over_50ms']} in {_stretches(rated_bare)}; "
            f"{rated['requests'] - rated['ok']} failed; "
            f"p50 {rated['p50_ms']:.1f} ms; "
            f"reached {rated['rps']:.0f}/s)",
            rated["p99_ms"],
            rated_bare["p99_ms"],
            "ms",
            "<= 50 ms",
            holds=rated["p99_ms"] <= 50.0 and rated["ok"] == rated["requests"],
        ),
    ]


def _stretches(result: dict[str, Any]) -> str:
    n = result["late_windows"]
    longest = f", the longest {result['longest_late_window_ms']:.0f} ms" if n else ""
    return f"{n} stretch{'es' if n != 1 else ''} of time{longest}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--profile", type=Path, default=None, help="write py-spy digests into this folder")
    parser.add_argument("--tag", default="", help="suffix of the profile files (e.g. -before)")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--phases", default=",".join(PHASES), help="comma-separated subset to run")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    sizes = Sizes.smoke() if args.smoke else Sizes()
    figures = asyncio.run(
        measure(
            test_stack(),
            sizes,
            limit_seconds=args.timeout,
            profile=args.profile,
            tag=args.tag,
            phases=tuple(args.phases.split(",")),
        )
    )
    if set(figures) != set(PHASES):
        print(figures)  # noqa: T201
        return 0
    for row in rows(figures, sizes):
        ratio = f" -> {row.ratio:.2f}" if row.ratio is not None else ""
        verdict = "holds" if row.holds else "does NOT hold"
        figure = f"{row.value:,.1f} {row.unit} vs {row.baseline:,.1f}{ratio}"
        print(f"{row.id}: {figure} ({verdict}) {row.what}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
