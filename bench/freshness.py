"""Benchmark #4: freshness, from an accepted registration to the change on the metrics service.

The registration service (relay on) and the metrics service run as deploy/services.sh runs them,
on fresh databases and fresh topics. bench/loadgen.py, a separate process, sends batches through
the HTTP API at a steady rate of items per second, all for a campaign of the bench's own, and
polls the metrics JSON API (/v1/coverage?by=campaign) meanwhile; each accepted item is timed
from its answer until the campaign's count covers it. The path: API -> outbox -> relay -> Kafka
-> metrics fold -> snapshot served.

Run alone: uv run python bench/freshness.py [--smoke] [--profile bench/results]
"""

import argparse
import asyncio
import logging
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api import registration_servers
from common import REPO, Row, Stack, fresh_database, test_stack
from launch import load, migrate, profiling, service_argv, service_env, serving

log = logging.getLogger("bench.freshness")


@dataclass(frozen=True)
class Sizes:
    """The steady load of the run."""

    rate: float = 1_000.0
    seconds: float = 30.0
    batch: int = 100

    @classmethod
    def smoke(cls) -> "Sizes":
        """Tiny sizes that only prove the machinery works."""
        return cls(rate=100.0, seconds=2.0, batch=20)


async def measure(
    stack: Stack, sizes: Sizes, *, limit_seconds: float, profile: Path | None = None
) -> dict[str, Any]:
    """Run the steady load once; return the load generator's figures."""
    logs = REPO / ".jangkau" / "test" / "bench"
    campaign = str(uuid.uuid4())
    async with registration_servers(stack, logs, bare=False) as (service, _, token, reg_env):
        prefix = reg_env["JANGKAU_REGISTRATION_KAFKA_TOPIC_PREFIX"]
        async with fresh_database(stack) as url:
            settings = {
                "DATABASE_URL": url,
                "KAFKA_TOPIC_PREFIX": prefix,
                "CONSUMER_GROUP": f"{prefix}metrics",
            }
            env = service_env(stack, "metrics", settings)
            await asyncio.to_thread(migrate, "metrics", env)
            async with serving("metrics", service_argv("metrics"), env, logs) as metrics:
                requests = max(1, round(sizes.rate * sizes.seconds / sizes.batch))
                with (
                    profiling(metrics, profile, "metrics-freshness"),
                    profiling(service, profile, "registration-freshness"),
                ):
                    result = await load(
                        "--url", f"{service.url}/v1/registrations:batch",
                        "--token", token,
                        "--mode", "fresh",
                        "--batch", str(sizes.batch),
                        "--rate", str(sizes.rate),
                        "--requests", str(requests),
                        "--campaign", campaign,
                        "--villages", "5",
                        "--first", "30000000",
                        "--metrics-url", f"{metrics.url}/v1/coverage",
                        limit_seconds=limit_seconds,
                    )  # fmt: skip
    log.info("freshness: %s", result)
    if result["ok"] < result["requests"]:
        raise RuntimeError(f"freshness: the API answered {result['statuses']}")
    return result


def rows(result: dict[str, Any], sizes: Sizes) -> list[Row]:
    """Table rows for #4."""
    what = (
        f"freshness API -> /v1/coverage at {sizes.rate:,.0f} registrations/s in batches of {sizes.batch} "
        f"for {sizes.seconds:.0f} s ({result['items_stored']:,} items, reached "
        f"{result['items_per_s']:,.0f}/s; polled every {result['poll_interval_ms']:.0f} ms; "
        f"max {result['fresh_max_ms']:,.0f} ms)"
    )
    return [
        Row(
            "4a",
            f"{what}: p50",
            result["fresh_p50_ms"],
            None,
            "ms",
            "<= 200 ms",
            holds=result["fresh_p50_ms"] <= 200.0,
        ),
        Row(
            "4b",
            "freshness, same run: p99",
            result["fresh_p99_ms"],
            None,
            "ms",
            "<= 1000 ms",
            holds=result["fresh_p99_ms"] <= 1000.0,
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--profile", type=Path, default=None, help="write py-spy digests into this folder")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--rate", type=float, default=None, help="items/s instead of the default 1,000")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    sizes = Sizes.smoke() if args.smoke else Sizes()
    if args.rate:
        sizes = Sizes(rate=args.rate, seconds=sizes.seconds, batch=sizes.batch)
    result = asyncio.run(measure(test_stack(), sizes, limit_seconds=args.timeout, profile=args.profile))
    table = rows(result, sizes)
    for row in table:
        print(f"{row.id}: {row.value:,.1f} {row.unit} ({row.goal}) {row.what}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
