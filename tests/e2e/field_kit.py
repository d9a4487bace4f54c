"""Helpers of the e2e tests that work as a field team does: the `jangkau` command, scenario replays.

A replay sends a scenario with `jangkau simulate` (the same command `make up` runs), and waits
with deploy/demo_check.py until the metrics service shows the run's ground truth. The same
scenario, scale and seed always send the same client ids, so replaying it into a stack that
already holds it stores nothing new.
"""

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from e2e_stack import RunningStack

from jangkau_cli.simulate.cli import build_plan
from jangkau_cli.simulate.model import Plan
from jangkau_cli.simulate.run import campaign_id_for
from jangkau_cli.simulate.scenarios import SCENARIOS
from support import REPO, load_script

JANGKAU = str(REPO / ".venv" / "bin" / "jangkau")


def jangkau(stack: RunningStack, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the command to completion, as a user at a terminal would."""
    return subprocess.run(
        [JANGKAU, *args],
        env={**stack.cli_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass(frozen=True)
class ScenarioRun:
    """A scenario at a fixed scale and seed: the same people and payments every time."""

    name: str
    scale: float
    seed: int = 2017

    @property
    def args(self) -> tuple[str, ...]:
        """The `jangkau simulate` arguments of this run."""
        return (self.name, "--scale", str(self.scale), "--seed", str(self.seed))

    @property
    def branch(self) -> str:
        """The branch the scenario enrols into (each of these scenarios has one)."""
        (branch,) = {v.branch for wave in SCENARIOS[self.name].waves for v in wave.villages}
        return branch

    def plan(self) -> Plan:
        """The plan the run sends, built here, with the campaign ids `jangkau simulate` plans."""
        scenario = SCENARIOS[self.name]
        ids = {w.name: campaign_id_for(scenario, w, self.seed) for w in scenario.waves if w.campaign}
        return build_plan(scenario, seed=self.seed, scale=self.scale, campaign_ids=ids)


#: The Denpasar pilot and the Sesetan booth, as the field-to-dashboards test and this suite send it.
SESETAN_2017 = ScenarioRun("sesetan-2017", scale=0.05)
#: The five Jambi village launches of 2018, at the scenario's default scale.
JAMBI_2018 = ScenarioRun("jambi-2018", scale=0.015)


def replay(stack: RunningStack, run: ScenarioRun, truth_file: Path) -> dict[str, Any]:
    """Send the scenario with `jangkau simulate --truth`; every item must get the answer it expects.

    Returns the truth document the command wrote (counts per branch on the scenario's today).
    """
    done = subprocess.run(
        [JANGKAU, "simulate", *run.args, "--truth", str(truth_file)],
        env=stack.cli_env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "not planned" not in done.stderr, done.stderr  # else the plan's campaign ids were not sent
    return dict(orjson.loads(truth_file.read_bytes()))


def wait_until_counted(
    stack: RunningStack, truth: dict[str, Any], timeout: float = 120, *, states: bool = True
) -> None:
    """Wait (bounded) until the metrics service shows the truth, as `make up` does after its run.

    deploy/demo_check.py compares the states on the truth's day, and the registrations, payments
    and rupiah recorded up to it; once the latter agree, every event of the run is counted.
    ``states=False`` waits for that alone, for a test that then asserts the states itself.
    """
    demo_check = load_script("deploy/demo_check.py")
    diffs = demo_check.wait_for_truth(truth, stack.url("metrics"), timeout, states=states)
    assert not diffs, f"{truth['scenario']}: the metrics still differ after {timeout}s: {diffs}"
