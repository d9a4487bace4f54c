"""One metrics service instance in its own process (for the scaling benchmark).

Prints ``ready`` once assembled and starts consuming at the first line on stdin. Then a ``mark``
line notes its resident set size, and ``stop`` (or end of input) stops it; it prints
``rss START MARK END``: its RSS in bytes before it started, at the mark (the end when there was
none) and before it stopped (#7b).
Usage: python bench/instance.py BOOTSTRAP PREFIX DATABASE_URL GROUP
"""

import asyncio
import logging
import sys

import uvloop

from jangkau_metrics.bootstrap import bootstrap
from jangkau_metrics.config import MetricsSettings
from jangkau_shared.runtime import tune_gc


def rss_bytes() -> int:
    """Resident set size of this process, from /proc/self/statm."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


async def serve(bootstrap_servers: str, prefix: str, database_url: str, group: str) -> None:
    settings = MetricsSettings(
        environment="test",
        kafka_bootstrap_servers=bootstrap_servers,
        kafka_topic_prefix=prefix,
        database_url=database_url,
        consumer_group=group,
        lag_interval_seconds=30.0,
    )
    svc = bootstrap(settings)
    loop = asyncio.get_running_loop()
    print("ready", flush=True)  # noqa: T201
    await loop.run_in_executor(None, sys.stdin.readline)
    start, mark = rss_bytes(), None
    await svc.start()
    while await loop.run_in_executor(None, sys.stdin.readline) == "mark\n":
        mark = rss_bytes()
    end = rss_bytes()
    mark = end if mark is None else mark
    await svc.stop()
    print(f"rss {start} {mark} {end}", flush=True)  # noqa: T201


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.disable(logging.INFO)  # the per-batch access log of FastStream would flood the console
    tune_gc()  # as jangkau_shared.cli serves the services
    uvloop.run(serve(*sys.argv[1:5]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
