"""Wait until every metrics instance's coverage equals a simulator ground truth; print differences.

Usage: python deploy/demo_check.py --truth TRUTH.json --metrics http://127.0.0.1:8103 [--metrics URL2 ...]
                                   [--timeout 120]
Exit status: 0 when every branch's counts match on every instance given, 1 when some still differ
at the timeout.
"""

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx

STATES = ("registered", "never_paid", "active", "arrears_1", "arrears_2", "arrears_3", "lapsed")


def differences(truth: dict[str, Any], rows: list[dict[str, Any]]) -> list[str]:
    """Return one line per (branch, state) whose count differs from the ground truth."""
    actual = {row["key"]: row for row in rows}
    diffs = []
    for branch, expected in truth["branches"].items():
        if branch == "total":
            continue
        got = actual.get(branch, {})
        diffs += [
            f"{branch} {state}: expected {expected[state]}, metrics has {got.get(state, 0)}"
            for state in STATES
            if got.get(state, 0) != expected[state]
        ]
    return diffs


def wait_for_truth(truth: dict[str, Any], metrics_urls: list[str], timeout: float) -> list[str]:
    """Poll each instance's /v1/coverage as of the truth's day until all match or ``timeout`` passes.

    Every instance answers for the whole country, so each one must equal the truth on its own.
    """
    deadline = time.monotonic() + timeout
    params = {"by": "branch", "as_of": truth["today"]}
    pending = list(metrics_urls)
    diffs: list[str] = []
    with httpx.Client(timeout=10) as client:
        while pending:
            url = pending[0]
            rows = client.get(f"{url}/v1/coverage", params=params).raise_for_status().json()["rows"]
            found = differences(truth, rows)
            if not found:
                pending.pop(0)
                continue
            if time.monotonic() > deadline:
                diffs += [f"{url}: {line}" if len(metrics_urls) > 1 else line for line in found]
                pending.pop(0)
                continue
            time.sleep(0.5)
    return diffs


def main() -> int:
    """Compare and report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument(
        "--truth", type=Path, required=True, help="JSON written by 'jangkau simulate --truth'"
    )
    parser.add_argument(
        "--metrics",
        required=True,
        action="append",
        help="base URL of a metrics instance; repeat it to check several instances",
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the counts")
    args = parser.parse_args()
    truth = json.loads(args.truth.read_text())
    started = time.monotonic()
    diffs = wait_for_truth(truth, args.metrics, args.timeout)
    for line in diffs:
        print(f"mismatch: {line}", file=sys.stderr)  # noqa: T201
    if not diffs:
        instances = "" if len(args.metrics) == 1 else f"on all {len(args.metrics)} instances, "
        print(f"metrics equal the ground truth ({instances}{time.monotonic() - started:.1f}s)")  # noqa: T201
    return 1 if diffs else 0


if __name__ == "__main__":
    raise SystemExit(main())
