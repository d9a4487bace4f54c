"""Profile the metrics fold on preloaded events with pyinstrument; write the text report.

Usage: uv run python bench/profile_fold.py [--events N] [--out bench/results/profile-fold.txt]
(the test stack must be up: `JANGKAU_PROFILE=test bash deploy/stack.sh up`).
"""

import argparse
import logging
import sys
from pathlib import Path

import fold
import uvloop
from common import REPO, test_stack
from pyinstrument import Profiler

from jangkau_shared.runtime import tune_gc


async def profile(events: int) -> str:
    """Preload ``events`` events, fold them in the service under the profiler; the report."""
    pre = await fold.preload(test_stack(), events)
    profiler = Profiler(interval=0.001, async_mode="enabled")
    async with fold.service_fold(pre, 900.0, profiler=profiler) as (result, _):
        pass
    n = pre.events
    header = (
        f"pyinstrument profile of the metrics fold: {n:,} preloaded events, "
        f"{result.eps:,.0f} events/s under the profiler, {result.batches} batches, "
        f"{result.apply_seconds / result.wall_seconds:.0%} of the wall time in the use case\n"
        "(reproduce: uv run python bench/profile_fold.py --events N --out FILE, test stack up)\n\n"
    )
    text = profiler.output_text(unicode=True, color=False, show_all=False, short_mode=False)
    return header + text.replace(f"{REPO}/", "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "profile-fold.txt")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.disable(logging.INFO)  # the per-batch access log of FastStream would flood the console
    tune_gc()  # as jangkau_shared.cli serves the services
    args.out.write_text(uvloop.run(profile(args.events)))
    print(f"written to {args.out}", file=sys.stderr)  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
