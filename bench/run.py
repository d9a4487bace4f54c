"""`make bench`: measure Jangkau against same-run baselines on the test stack; print and save the table.

Usage: uv run python bench/run.py [--events N] [--rows N] [--smoke] [--only NAME,...] [--results DIR]
"""

import argparse
import json
import logging
import os
import platform
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from types import ModuleType

import api
import fold
import freshness
import relay
import scale
import uvloop
import view
from common import REPO, Bench, Row, test_stack

from jangkau_shared.runtime import tune_gc

KAFKA_VERSION = "4.1.1"


#: Row producers, run in this order; each gets the stack and sizes and returns its rows.
def sized_rows(module: ModuleType) -> Callable[[Bench], Awaitable[list[Row]]]:
    """Rows of a module with ``Sizes`` (full or ``smoke()``), ``measure`` and ``rows``: #3, #4, #8, #9."""

    async def produce(bench: Bench) -> list[Row]:
        sizes = module.Sizes.smoke() if bench.smoke else module.Sizes()
        figures = await module.measure(bench.stack, sizes, limit_seconds=bench.limit_seconds)
        rows: list[Row] = module.rows(figures, sizes)
        return rows

    return produce


PRODUCERS: dict[str, Callable[[Bench], Awaitable[list[Row]]]] = {
    "fold": fold.rows,  # 1, 2, 5, 7a, 7b
    "scale": scale.rows,  # 1x, 2x, 3x
    "api": sized_rows(api),  # 3a, 3b, 3c: registration API against a bare endpoint (bench/api.py)
    "freshness": sized_rows(freshness),  # 4a, 4b: accepted registration to metrics (bench/freshness.py)
    "relay": relay.rows,  # 6
    "view": sized_rows(view),  # 8a, 8b, 9a, 9b, 9c: a large store (bench/view.py)
}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events preloaded for #1, #2, #5, #7")
    parser.add_argument("--rows", type=int, default=100_000, help="outbox rows drained in #6")
    parser.add_argument(
        "--smoke", action="store_true", help="tiny sizes (2,000 events, 1,000 rows, 2,000 participants)"
    )
    parser.add_argument(
        "--only", default=",".join(PRODUCERS), help=f"comma-separated of {', '.join(PRODUCERS)}"
    )
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "results", help="output folder")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds each phase may take")
    args = parser.parse_args()
    if args.smoke:
        args.events, args.rows, args.timeout = 2_000, 1_000, 60.0
    unknown = set(args.only.split(",")) - PRODUCERS.keys()
    if unknown:
        parser.error(f"--only: unknown {', '.join(sorted(unknown))}; choose from {', '.join(PRODUCERS)}")
    return args


def machine() -> dict[str, object]:
    """Facts that make two runs comparable."""
    meminfo = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    postgres = (
        subprocess.run(
            ["psql", "--version"],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        )
        .stdout.rsplit(" (", 1)[0]  # "psql (PostgreSQL) 15.18 (Debian …)" -> "psql (PostgreSQL) 15.18"
        .rsplit(" ", 1)[-1]
    )
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "loadavg_at_start": round(os.getloadavg()[0], 2),
        "memory_gib": round(int(meminfo[1]) / 2**20, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "kafka": KAFKA_VERSION,
        "postgresql": postgres,
        "versions": {p: version(p) for p in ("aiokafka", "faststream", "asyncpg", "sqlalchemy", "pydantic")},
        "commit": commit,
    }


async def measure(args: argparse.Namespace, facts: dict[str, object]) -> list[Row]:
    """Run the producers in order, each on a settled machine (the seconds that took go in ``facts``)."""
    bench = Bench(test_stack(), args.events, args.rows, args.timeout, args.smoke)
    rows: list[Row] = []
    settled: dict[str, float] = {}
    facts["settled_seconds_before"] = settled
    for name in args.only.split(","):
        settled[name] = round(await bench.settle(), 1)
        rows += await PRODUCERS[name](bench)
    return rows


def table(rows: list[Row]) -> str:
    """The results as a markdown table."""
    lines = [
        "| # | what | value | baseline (same run) | ratio | goal | holds |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        base = f"{r.baseline:,.0f} {r.unit}" if r.baseline is not None else "-"
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "-"
        holds = {True: "yes", False: "**no**", None: "-"}[r.holds]
        lines.append(
            f"| {r.id} | {r.what} | {r.value:,.0f} {r.unit} | {base} | {ratio} | {r.goal} | {holds} |"
        )
    return "\n".join(lines)


def save(rows: list[Row], facts: dict[str, object], folder: Path, args: argparse.Namespace) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    sizes = {"events": args.events, "rows": args.rows, "smoke": args.smoke}
    body = {"machine": facts, "sizes": sizes, "results": [asdict(r) for r in rows]}
    (folder / "latest.json").write_text(json.dumps(body, indent=2) + "\n")
    facts_md = ", ".join(f"{k}: {v}" for k, v in facts.items())
    (folder / "latest.md").write_text(
        f"# Benchmark results\n\n{facts_md}\n\nsizes: {sizes}\n\n{table(rows)}\n"
    )


def main() -> int:
    args = arguments()
    logging.basicConfig(level=logging.WARNING)
    logging.disable(logging.INFO)  # the per-batch access log of FastStream would flood the console
    facts = machine()
    tune_gc()  # as jangkau_shared.cli serves the services
    rows = uvloop.run(measure(args, facts))  # the services run on uvloop too (uvicorn[standard])
    facts["loadavg_at_end"] = round(os.getloadavg()[0], 2)  # other work on the machine skews rates
    save(rows, facts, args.results, args)
    print(table(rows))  # noqa: T201
    print(f"\nwritten to {args.results}/latest.json and latest.md", file=sys.stderr)  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
