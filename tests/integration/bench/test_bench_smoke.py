"""`make bench` keeps working: a tiny run against the test stack writes every ratio (no timed assertions)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from support import REPO, Stack

pytestmark = pytest.mark.integration


@pytest.mark.timeout(600)  # every row: folds, a replay, instance, registration, bare and metrics processes
def test_a_smoke_run_of_the_benchmarks_writes_a_positive_ratio_for_each_goal(
    stack: Stack, tmp_path: Path
) -> None:
    run = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--smoke", "--results", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )

    assert run.returncode == 0, run.stderr[-3000:]
    body = json.loads((tmp_path / "latest.json").read_text())
    rows = {r["id"]: r for r in body["results"]}
    assert {
        "1",
        "2",
        "3a",
        "3b",
        "3c",
        "4a",
        "4b",
        "5",
        "6",
        "7a",
        "7b",
        "1x",
        "2x",
        "3x",
        "8a",
        "8b",
        "9a",
        "9b",
        "9c",
    } <= rows.keys()
    for goal in ("1", "2", "3a", "3b", "5", "6", "2x", "3x", "8b"):
        assert rows[goal]["ratio"] > 0, rows[goal]
    assert "0 cells differ" in rows["5"]["what"], rows["5"]
    assert "counts are equal" in rows["1x"]["what"], rows["1x"]
    assert rows["7a"]["value"] > 0
    assert rows["3c"]["value"] > 0
    assert 0 <= rows["4a"]["value"] <= rows["4b"]["value"]
    for figure in ("8a", "9a", "9b", "9c"):
        assert rows[figure]["value"] > 0, rows[figure]
    assert set(body["machine"]["settled_seconds_before"]) == {
        "fold",
        "scale",
        "api",
        "freshness",
        "relay",
        "view",
    }
    assert (tmp_path / "latest.md").read_text().startswith("# Benchmark results")
