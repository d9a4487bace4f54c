"""Planning a campaign where the team works, with the `jangkau` command.

As the Rangkasbitung trial team did: a campaign in a village that does not exist, or in another
branch's village, is refused and nothing is planned.
"""

import json
import subprocess
import uuid

import pytest
from e2e_stack import RunningStack, team_token
from field_kit import jangkau

pytestmark = pytest.mark.e2e

MALINGPING_UTARA = "36.02.01.2005"  # Kabupaten Lebak: branch rangkasbitung
SUNGAI_BAUNG = "15.04.03.2015"  # Kabupaten Batanghari: branch jambi


def _no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stdout + done.stderr, done.stderr


@pytest.mark.timeout(180)
def test_a_branch_team_cannot_plan_a_campaign_in_a_village_that_does_not_exist_or_lies_elsewhere(
    running_stack: RunningStack,
) -> None:
    token, _, _ = team_token(f"rangkasbitung-{uuid.uuid4().hex[:6]}", "rangkasbitung")
    name = f"Hari pasar Malingping {uuid.uuid4().hex[:6]}"
    plan = (
        *("campaign", "plan", "--name", name, "--kind", "market_day", "--place", "Pasar Malingping"),
        *("--starts", "2026-03-10", "--ends", "2026-03-10", "--branch", "rangkasbitung"),
    )

    nowhere = jangkau(running_stack, *plan, "--village", "99.99.99.9999", JANGKAU_TOKEN=token)
    elsewhere = jangkau(
        running_stack, *plan, "--village", MALINGPING_UTARA, "--village", SUNGAI_BAUNG, JANGKAU_TOKEN=token
    )
    listed = jangkau(
        running_stack, "campaign", "list", "--branch", "rangkasbitung", "--json", JANGKAU_TOKEN=token
    )

    for refused in (nowhere, elsewhere):
        _no_traceback(refused)
        assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "village_codes ('99.99.99.9999')" in nowhere.stderr
    assert f"village_codes ('{SUNGAI_BAUNG}')" in elsewhere.stderr
    assert "jambi" in elsewhere.stderr
    assert listed.returncode == 0, listed.stderr
    assert name not in [c["name"] for c in json.loads(listed.stdout)["items"]]

    planned = jangkau(running_stack, *plan, "--village", MALINGPING_UTARA, "--json", JANGKAU_TOKEN=token)
    assert planned.returncode == 0, planned.stderr
    assert json.loads(planned.stdout)["village_codes"] == [MALINGPING_UTARA]
