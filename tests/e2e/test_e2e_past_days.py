"""Coverage as of past days equals the simulator's truth for that day, through the API and the command.

Issue 15, item 3. The sesetan-2017 and jambi-2018 scenarios are replayed into the running stack
as `make up` does (`jangkau simulate`, then deploy/demo_check.py until the metrics show the
run's truth; see field_kit). Then, for days spread over each scenario (before the first
registration, mid-campaign, both sides of a due day, after people lapsed, the run's today),
`/v1/coverage?as_of=DAY&branch=...` by branch, village, segment and campaign, and
`jangkau status --branch ... --as-of DAY --json`, must equal `truth.coverage(plan, DAY)`: the
participants registered by that day, standing by the payments made by that day.

The stack is shared with the other e2e tests. Their workers are registered on 2025-03-10 or on
the real today, after every day checked here, so each day's rows are the scenario's alone. For
the same reason the replay waits for the run's registrations, payments and rupiah up to its
today (exact whatever the rule for states), and each test asserts the states of its day itself.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import httpx
import pytest
from e2e_stack import RunningStack
from field_kit import JAMBI_2018, SESETAN_2017, ScenarioRun, jangkau, replay, wait_until_counted

from jangkau_cli.simulate.model import Plan
from jangkau_cli.simulate.truth import STATES, Grouping, coverage, movement
from support import wait_for

pytestmark = pytest.mark.e2e
T = TypeVar("T")

#: Seconds a figure may take to follow the ledger it was counted with (see ``_settled``).
SETTLE = 5.0
GROUPINGS: tuple[Grouping, ...] = ("branch", "village", "segment", "campaign")
#: The days checked per scenario, and why each one.
DAYS: dict[str, tuple[tuple[str, str], ...]] = {
    SESETAN_2017.name: (
        ("2016-02-29", "the day before the pilot's first registration"),
        ("2016-07-15", "mid-pilot, the last day July is on time"),
        ("2016-07-16", "mid-pilot, the first day July is late"),
        ("2017-07-31", "a year on: half the pilot lapsed, the booth two weeks away"),
        ("2017-08-15", "mid-booth, a due day"),
        ("2017-08-16", "mid-booth, the day after the due day"),
        ("2017-12-16", "the booth's first lapses"),
        ("2018-02-20", "the run's today"),
    ),
    JAMBI_2018.name: (
        ("2018-03-19", "the day before the first village launch"),
        ("2018-04-15", "mid first launch, a due day"),
        ("2018-04-16", "mid first launch, the day after the due day"),
        ("2018-07-31", "third launch under way, the first ones lapsing"),
        ("2018-10-16", "fifth launch under way, after a due day"),
        ("2019-01-16", "two months after the last registration"),
        ("2019-01-31", "the run's today"),
    ),
}
RUNS = {run.name: run for run in (SESETAN_2017, JAMBI_2018)}
CASES = [pytest.param(name, day, id=f"{name}-{day}") for name, days in DAYS.items() for day, _ in days]


@dataclass(frozen=True)
class Replayed:
    """A scenario run stored in the stack and counted, with the plan it sent."""

    run: ScenarioRun
    plan: Plan


@pytest.fixture(scope="module")
def replayed(running_stack: RunningStack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Replayed]:
    """Both scenarios sent and counted (the same plans built here give the truth of any day)."""
    done = {}
    for run in RUNS.values():
        truth = replay(running_stack, run, tmp_path_factory.mktemp("sim") / f"{run.name}.json")
        plan = run.plan()
        assert plan.today.isoformat() == truth["today"]
        assert coverage(plan, plan.today)[run.branch] == {s: truth["branches"][run.branch][s] for s in STATES}
        wait_until_counted(running_stack, truth, states=False)
        done[run.name] = Replayed(run, plan)
    return done


def _settled(probe: Callable[[], T], expected: T) -> T:
    """``probe()`` once it equals ``expected``, else its answer after SETTLE seconds (to assert on).

    Every event is counted before the tests start (the replay waits for that); the short wait only
    lets coverage follow the ledger if a service serves them from caches refreshed apart.
    """
    try:
        return wait_for(probe, until=lambda got: got == expected, timeout=SETTLE, interval=0.5)
    except AssertionError:
        return probe()


def _without_zeros(rows: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Rows with somebody in them, each with every state (a missing state: 0)."""
    full = {key: {s: int(row.get(s, 0)) for s in STATES} for key, row in rows.items()}
    return {key: row for key, row in full.items() if any(row.values())}


def _api_rows(stack: RunningStack, by: Grouping, day: str, branch: str) -> dict[str, dict[str, int]]:
    """What /v1/coverage answers as of ``day`` for one branch, keyed like the truth."""
    params = {"by": by, "as_of": day, "branch": branch}
    answer = httpx.get(f"{stack.url('metrics')}/v1/coverage", params=params, timeout=30)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["as_of"] == day
    rows = {str(r["key"]): r for r in report["rows"] if by != "campaign" or r["key"]}  # "": no campaign
    return _without_zeros(rows)


def _expected(stored: Replayed, by: Grouping, day: str) -> dict[str, dict[str, int]]:
    """The truth's rows as of ``day`` for the scenario's branch."""
    return _without_zeros(coverage(stored.plan, date.fromisoformat(day), by=by, branch=stored.run.branch))


@pytest.mark.timeout(600)  # the first test also replays both scenarios and waits for their counts
@pytest.mark.parametrize(("scenario", "day"), CASES)
def test_the_api_counts_a_past_day_as_the_simulator_expects(
    running_stack: RunningStack, replayed: dict[str, Replayed], scenario: str, day: str
) -> None:
    stored = replayed[scenario]

    expected = {by: _expected(stored, by, day) for by in GROUPINGS}

    answered = _settled(
        lambda: {by: _api_rows(running_stack, by, day, stored.run.branch) for by in GROUPINGS}, expected
    )

    assert answered == expected


def _status(stack: RunningStack, branch: str, day: str) -> dict[str, Any]:
    """The figures of `jangkau status --branch BRANCH --as-of DAY --json` a past day must get right."""
    done = jangkau(stack, "status", "--branch", branch, "--as-of", day, "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    branch_row = {data["branch"]: {s: data.get(s, 0) for s in STATES}}
    villages = {str(v["village_code"]): v for v in data.get("villages", [])}
    return {
        "as_of": data["as_of"],
        "branch": _without_zeros(branch_row),
        "village": _without_zeros(villages),
        "movement": data.get("movement"),
    }


@pytest.mark.timeout(600)
@pytest.mark.parametrize(("scenario", "day"), CASES)
def test_jangkau_status_shows_a_past_day_as_the_simulator_expects(
    running_stack: RunningStack, replayed: dict[str, Replayed], scenario: str, day: str
) -> None:
    stored = replayed[scenario]
    branch = stored.run.branch

    expected = {
        "as_of": day,
        "branch": _expected(stored, "branch", day),
        "village": _expected(stored, "village", day),
        "movement": movement(stored.plan, date.fromisoformat(day), branch=branch),
    }

    shown = _settled(lambda: _status(running_stack, branch, day), expected)

    assert shown == expected


@pytest.mark.parametrize("scenario", sorted(DAYS))
def test_the_days_checked_span_the_scenario_from_nobody_to_its_today(scenario: str) -> None:
    """The days above keep meaning what their notes say if a scenario changes (no stack needed)."""
    run = RUNS[scenario]
    plan = run.plan()
    days = [date.fromisoformat(day) for day, _ in DAYS[scenario]]
    rows = [coverage(plan, day).get(run.branch, dict.fromkeys(STATES, 0)) for day in days]
    registered = [row["registered"] for row in rows]

    assert len(days) >= 5
    assert registered[0] == 0  # before the first registration
    assert 0 < registered[1] < registered[-1]  # mid-campaign: some registered, not all
    assert any(row["lapsed"] for row in rows[:-1])  # some lapse before the run's today
    due_days = [n for n, day in enumerate(days[:-1]) if day.day == 15 and (days[n + 1] - day).days == 1]
    assert due_days, "a 15th and the 16th after it"
    assert all(rows[n] != rows[n + 1] for n in due_days)  # states move across each due-day boundary
    assert days[-1] == plan.today
