"""End-to-end fixtures: the running stack (see e2e_stack.py) and the reliability summary."""

from collections.abc import Generator

import pytest
from e2e_stack import running_stack
from fault_summary import ROWS, fault_row, render, write

__all__ = ["fault_row", "running_stack"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep the call phase's report on the item, so ``fault_row`` knows whether its test passed."""
    report = yield
    if report.when == "call":
        item.jangkau_call_report = report  # type: ignore[attr-defined]
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the reliability summary of the fault tests that ran, and write it to files."""
    if not ROWS:
        return
    paths = write(ROWS)
    terminalreporter.section("reliability summary (issue 9)")
    terminalreporter.write(render(ROWS))
    terminalreporter.write_line("written to " + ", ".join(str(p) for p in paths))
