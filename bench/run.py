"""`make bench`: measure Jangkau against same-run baselines on the test stack; print and save the table.

Usage: uv run python bench/run.py [--events N] [--rows N] [--smoke] [--results DIR]
"""

import argparse
import asyncio
import json
import logging
import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import api
import fold
import freshness
import relay
from common import REPO, test_stack

KAFKA_VERSION = "4.1.1"


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


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000, help="events preloaded for #1 and #7")
    parser.add_argument("--rows", type=int, default=50_000, help="outbox rows drained in #6")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (2,000 events, 1,000 rows)")
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "results", help="output folder")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds each phase may take")
    args = parser.parse_args()
    if args.smoke:
        args.events, args.rows, args.timeout = 2_000, 1_000, 60.0
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
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "memory_gib": round(int(meminfo[1]) / 2**20, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "kafka": KAFKA_VERSION,
        "commit": commit,
    }


async def measure(args: argparse.Namespace) -> list[Row]:
    stack = test_stack()
    f = await fold.run(stack, args.events, limit_seconds=args.timeout)
    r = await relay.run(stack, args.rows, limit_seconds=args.timeout)
    ratio1, ratio6 = f.service_eps / f.raw_eps, r.relay_rps / r.raw_rps
    # Issue 8 rows #3 (registration API) and #4 (freshness): their own modules.
    api_rows = await api.run(stack, smoke=args.smoke, limit_seconds=args.timeout)
    api_rows += await freshness.run(stack, smoke=args.smoke, limit_seconds=args.timeout)
    return [
        Row(
            "1",
            f"metrics fold, exactly-once commits ({f.events:,} events, {f.batches} batches; "
            f"{f.apply_seconds / f.wall_seconds:.0%} of the wall time inside the batch transaction)",
            f.service_eps,
            f.raw_eps,
            "events/s",
            ">= 0.25",
            ratio1,
            ratio1 >= 0.25,
        ),
        Row(
            "6",
            f"outbox relay draining {r.rows:,} rows",
            r.relay_rps,
            r.raw_rps,
            "rows/s",
            ">= 0.5",
            ratio6,
            ratio6 >= 0.5,
        ),
        Row(
            "7a",
            f"metrics state: snapshot deep size {f.snapshot_bytes / 2**20:.1f} MiB "
            f"for {f.participants:,} participants",
            f.snapshot_bytes / f.participants,
            None,
            "bytes/participant",
            "bounded",
        ),
        Row(
            "7b",
            "metrics RSS growth while folding (upper bound: includes buffers, caches)",
            f.rss_growth_bytes / f.participants,
            None,
            "bytes/participant",
            "bounded",
        ),
        *(Row(**row) for row in api_rows),
    ]


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
    for noisy in ("faststream", "aiokafka", "jangkau_metrics"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    facts = machine()
    rows = asyncio.run(measure(args))
    save(rows, facts, args.results, args)
    print(table(rows))  # noqa: T201
    print(f"\nwritten to {args.results}/latest.json and latest.md", file=sys.stderr)  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
