"""Wait until every metrics instance's coverage equals a simulator ground truth; print differences.

Usage: python deploy/demo_check.py --truth TRUTH.json --metrics http://127.0.0.1:8103 [--metrics URL2 ...]
                                   [--timeout 120]
Exit status: 0 when every branch's counts match on every instance given, 1 when some still differ
at the timeout.

Two things must match for each branch, as of the truth's day (``as_of``, else ``today``): the
participants by state (``/v1/coverage``), and the registrations, payments and rupiah recorded up to
that day (``/v1/timeseries``). The second tells that every event was counted, including the ones
that do not move a state on that day (an older payment of someone paid further ahead since).
Every instance answers for the whole country, so each one must equal the truth on its own.
"""

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx

STATES = ("registered", "never_paid", "active", "arrears_1", "arrears_2", "arrears_3", "lapsed")
#: Ledger sums from /v1/timeseries and the truth's column for each.
LEDGER = {"registrations": "registered", "contributions": "contributions", "rupiah": "amount"}
#: Earlier than any registration date the services take.
FIRST_DAY = "2000-01-01"


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


def ledger_differences(truth: dict[str, Any], series: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Return one line per (branch, sum) of /v1/timeseries up to the truth's day that differs from it."""
    diffs = []
    for branch, rows in series.items():
        expected = truth["branches"][branch]
        for name, column in LEDGER.items():
            got = sum(int(row.get(name, 0)) for row in rows if row.get("branch") == branch)
            if got != expected[column]:
                diffs.append(f"{branch} {name} up to {day_of(truth)}: expected {expected[column]}, got {got}")
    return diffs


def day_of(truth: dict[str, Any]) -> str:
    """The day a truth document counts for (files written before ``as_of`` existed: ``today``)."""
    return str(truth.get("as_of") or truth["today"])


def current_differences(truth: dict[str, Any], client: httpx.Client, *, states: bool = True) -> list[str]:
    """Ask the metrics service once; every way it differs from the truth (empty: equal).

    ``states=False`` compares the ledger only: that alone tells that every event of the run is
    counted, so a test can then assert the states of any day itself.
    """
    day = day_of(truth)
    diffs = []
    if states:
        params = {"by": "branch", "as_of": day}
        diffs = differences(
            truth, client.get("/v1/coverage", params=params).raise_for_status().json()["rows"]
        )
    series = {
        branch: client.get("/v1/timeseries", params={"branch": branch, "from": FIRST_DAY, "to": day})
        .raise_for_status()
        .json()
        for branch in truth["branches"]
        if branch != "total"
    }
    return diffs + ledger_differences(truth, series)


def wait_for_truth(
    truth: dict[str, Any], metrics_urls: str | list[str], timeout: float, *, states: bool = True
) -> list[str]:
    """Poll each metrics instance until it matches the truth or ``timeout`` passes; the last differences."""
    urls = [metrics_urls] if isinstance(metrics_urls, str) else metrics_urls
    deadline = time.monotonic() + timeout
    diffs: list[str] = []
    for url in urls:
        with httpx.Client(base_url=url, timeout=10) as client:
            while True:
                found = current_differences(truth, client, states=states)
                if not found or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
        diffs += [f"{url}: {line}" if len(urls) > 1 else line for line in found]
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
