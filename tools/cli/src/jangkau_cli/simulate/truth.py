"""The ground truth a scenario run should leave in the metrics: counts per branch as of 'today'."""

from collections import Counter, defaultdict
from typing import Any

from jangkau_cli.simulate.model import Plan
from jangkau_cli.simulate.rules import State, month_index, month_text, state_of

COLUMNS = (
    "registered",
    *[state.value for state in State],
    "contributions",
    "amount",
    "rejected_registrations",
    "rejected_contributions",
)


def paid_through(plan: Plan) -> dict[str, str]:
    """Last month each participant (by registration client id) is paid through after the valid payments."""
    last: dict[str, int] = {}
    for item in plan.contributions:
        if item.valid:
            body = item.body
            end = month_index(body["first_month"]) + body["months"] - 1
            owner = body["participant_client_id"]
            last[owner] = max(end, last.get(owner, end))
    return {owner: month_text(month) for owner, month in last.items()}


def ground_truth(plan: Plan) -> dict[str, dict[str, int]]:
    """Counts per branch (and ``total``) expected when every valid item is stored and no invalid one."""
    table: defaultdict[str, Counter[str]] = defaultdict(Counter)
    through = paid_through(plan)
    for item in plan.registrations:
        row = table[item.branch]
        if not item.valid:
            row["rejected_registrations"] += 1
            continue
        row["registered"] += 1
        row[state_of(through.get(item.body["client_id"]), plan.today).value] += 1
    for item in plan.contributions:
        row = table[item.branch]
        if item.valid:
            row["contributions"] += 1
            row["amount"] += item.body["amount"]
        else:
            row["rejected_contributions"] += 1
    result = {branch: {col: counts[col] for col in COLUMNS} for branch, counts in sorted(table.items())}
    result["total"] = {col: sum(row[col] for row in result.values()) for col in COLUMNS}
    return result


def truth_document(
    plan: Plan, counts: dict[str, dict[str, int]], *, seed: int, scale: float, invalid_share: float
) -> dict[str, Any]:
    """The JSON written by ``--truth``: the run's parameters and the counts (``ground_truth(plan)``)."""
    return {
        "scenario": plan.scenario.name,
        "seed": seed,
        "scale": scale,
        "invalid_share": invalid_share,
        "today": plan.today.isoformat(),
        "states_rule": "due by the 15th; 1-3 overdue months unpaid = arrears; more = lapsed",
        "branches": counts,
    }
