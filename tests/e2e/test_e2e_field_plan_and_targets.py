"""Planning a campaign where the team works, and setting targets, with the `jangkau` command.

As the Rangkasbitung trial team did: a campaign in a village that does not exist, or in another
branch's village, is refused and nothing is planned; ops set a target with the admin token, a
mistyped branch is refused, and a deleted target leaves the list and every instance's /metrics.
"""

import json
import subprocess
import uuid

import httpx
import pytest
from e2e_stack import RunningStack, team_token
from field_kit import jangkau

from support import wait_for

pytestmark = pytest.mark.e2e

MALINGPING_UTARA = "36.02.01.2005"  # Kabupaten Lebak: branch rangkasbitung
SUNGAI_BAUNG = "15.04.03.2015"  # Kabupaten Batanghari: branch jambi
YEAR = "2026"


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


def _series(url: str, branch: str) -> list[str]:
    """The target samples of a branch on one metrics instance's /metrics page."""
    page = httpx.get(f"{url}/metrics", timeout=10).text
    return [
        line
        for line in page.splitlines()
        if line.startswith("jangkau_branch_target_")
        and f'branch="{branch}"' in line
        and f'year="{YEAR}"' in line
    ]


@pytest.mark.timeout(180)
def test_ops_set_list_and_delete_a_target_and_a_mistyped_branch_is_refused(
    running_stack: RunningStack,
) -> None:
    admin = {"JANGKAU_METRICS_ADMIN_TOKEN": running_stack.local_env["JANGKAU_METRICS_ADMIN_TOKEN"]}

    typo = jangkau(running_stack, "target", "set", "rangkasbitng", YEAR, "--participants", "1200", **admin)
    _no_traceback(typo)
    assert typo.returncode == 1, typo.stdout + typo.stderr
    assert "branch ('rangkasbitng')" in typo.stderr
    assert "rangkasbitung" in typo.stderr  # the branch it probably meant

    no_token = jangkau(
        running_stack, "target", "set", "rangkasbitung", YEAR, "--participants", "1200",
        JANGKAU_METRICS_ADMIN_TOKEN="",
    )  # fmt: skip
    assert no_token.returncode == 3, no_token.stdout + no_token.stderr
    assert "metrics-admin-token" in no_token.stderr

    made = jangkau(running_stack, "target", "set", "rangkasbitung", YEAR, "--participants", "1200", **admin)
    assert made.returncode == 0, made.stderr
    listed = jangkau(running_stack, "target", "list", "--year", YEAR, "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {(r["branch"], r["target"]) for r in json.loads(listed.stdout)}
    assert ("rangkasbitung", 1200) in rows
    assert not any(branch == "rangkasbitng" for branch, _ in rows)
    for url in running_stack.metrics_urls:
        wait_for(
            lambda u=url: _series(u, "rangkasbitung"), until=bool, timeout=30, what=f"the series on {url}"
        )

    deleted = jangkau(running_stack, "target", "delete", "rangkasbitung", YEAR, **admin)
    assert deleted.returncode == 0, deleted.stderr
    after = jangkau(running_stack, "target", "list", "--year", YEAR, "--json")
    assert "rangkasbitung" not in {r["branch"] for r in json.loads(after.stdout)}
    for url in running_stack.metrics_urls:
        wait_for(
            lambda u=url: _series(u, "rangkasbitung"),
            until=lambda s: not s,
            timeout=30,
            what=f"no series on {url}",
        )

    again = jangkau(running_stack, "target", "delete", "rangkasbitung", YEAR, **admin)
    _no_traceback(again)
    assert again.returncode == 7, again.stdout + again.stderr
