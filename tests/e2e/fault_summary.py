"""The reliability summary of a run: one row per fault test, printed at the end and written to files.

Each fault test takes the ``fault_row`` fixture and fills in what it injected and what it
found: the load it held (items sent), the items whose fate it checked, and how many of those
were lost, duplicated, leaked or mismatched. Tests fill the row *before* they assert, so a
failing test still reports what it saw. ``tests/e2e/conftest.py`` prints the table at the end
of the run and writes it to ``.jangkau/test/reliability-summary.{md,json}``.

Columns:

- ``load``: items the test sent (API items or records produced straight to a topic).
- ``checked``: items whose fate the test verified (in the counts, on a topic, on a DLQ).
- ``lost``: accepted items that are missing where they must be (counts too low, not on the
  topic, poison not on its dead-letter topic).
- ``duplicated``: items counted more than once (counts too high).
- ``leaked``: what escaped where it must not go: poison that reached the counts, a 500 or a
  stack trace in an API answer, personal data on a topic, in a log or on /metrics, an extra
  process left running.
- ``mismatched``: counts (JSON API, /metrics, replay cells) that differ from the expected ones.
"""

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import pytest

from support import REPO

SUMMARY_DIR = REPO / ".jangkau" / "test"
COLUMNS = ("load", "checked", "lost", "duplicated", "leaked", "mismatched")


@dataclass
class FaultRow:
    """What one fault test injected and found."""

    test: str
    fault: str = ""
    load: int = 0
    checked: int = 0
    lost: int = 0
    duplicated: int = 0
    leaked: int = 0
    mismatched: int = 0
    outcome: str = "not run"
    note: str = ""

    def over_under(self, expected: int, seen: int) -> None:
        """Add a count's shortfall to ``lost`` and its excess to ``duplicated``."""
        self.lost += max(0, expected - seen)
        self.duplicated += max(0, seen - expected)

    def over_under_counts(self, expected: dict[str, int], seen: dict[str, int]) -> None:
        """``over_under`` for every count of ``expected`` (a count missing from ``seen`` is 0)."""
        for name, count in expected.items():
            self.over_under(count, seen.get(name, 0))


ROWS: list[FaultRow] = []


@pytest.fixture
def fault_row(request: pytest.FixtureRequest) -> Iterator[FaultRow]:
    """A row of the summary for this test; its outcome is filled in from the test's report."""
    row = FaultRow(test=request.node.name)
    yield row
    report = getattr(request.node, "jangkau_call_report", None)
    if report is None:
        row.outcome = "error"
    else:
        row.outcome = "passed" if report.passed else "failed"
    ROWS.append(row)


def render(rows: list[FaultRow]) -> str:
    """The summary as a Markdown table, with a totals line."""
    head = ["test", "fault", *COLUMNS, "outcome"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [row.test, row.fault, *(str(getattr(row, c)) for c in COLUMNS), row.outcome]
        lines.append("| " + " | ".join(cells) + " |")
    totals = [str(sum(getattr(r, c) for r in rows)) for c in COLUMNS]
    passed = sum(r.outcome == "passed" for r in rows)
    lines.append("| **total** | " + f"{len(rows)} tests | " + " | ".join(totals) + f" | {passed} passed |")
    notes = [f"- {r.test}: {r.note}" for r in rows if r.note]
    return "\n".join(lines + (["", *notes] if notes else [])) + "\n"


def write(rows: list[FaultRow], directory: Path = SUMMARY_DIR) -> list[Path]:
    """Write the summary as Markdown and JSON into ``directory``; return both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    markdown = directory / "reliability-summary.md"
    markdown.write_text("# Reliability summary (issue 9 fault tests)\n\n" + render(rows))
    data = directory / "reliability-summary.json"
    names = [f.name for f in fields(FaultRow)]
    data.write_text(json.dumps({"columns": names, "rows": [asdict(r) for r in rows]}, indent=2) + "\n")
    return [markdown, data]
