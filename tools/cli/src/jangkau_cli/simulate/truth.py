"""The ground truth a scenario run should leave in the metrics, as of its 'today' or any other day.

As of a day, a participant counts when registered by then (``registered_on`` on or before it), and
stands on that day by the highest month paid through of the valid payments made by then
(``paid_on`` on or before it): due by the 15th, 1-3 overdue months arrears, more lapsed
(``rules.state_of``). A payment made later, even for an earlier month, does not count yet. This is
what ``GET /v1/coverage?as_of=DAY`` answers. A day after everything the plan holds gives the
plan's final paid-through months evaluated on that day.
"""

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any, Final, Literal

from jangkau_cli.simulate.model import Item, Plan
from jangkau_cli.simulate.rules import State, month_index, month_text, state_of

#: Participants by state: the columns of every row of ``coverage`` (the metrics API's names).
STATES: Final = ("registered", *[state.value for state in State])
COLUMNS: Final = (*STATES, "contributions", "amount", "rejected_registrations", "rejected_contributions")
#: What a day brought, as ``/v1/timeseries`` names it.
MOVEMENT: Final = ("registrations", "contributions", "rupiah")

Grouping = Literal["branch", "village", "segment", "campaign"]
#: The body field each grouping reads (the branch is the item's own).
_FIELD: Final[dict[Grouping, str]] = {
    "branch": "branch",
    "village": "village_code",
    "segment": "segment",
    "campaign": "campaign_id",
}


def _by(day: date | None, item: Item) -> bool:
    """Whether ``item`` was recorded on or before ``day`` (None: every item counts)."""
    return day is None or item.day <= day.isoformat()


def paid_through(plan: Plan, day: date | None = None) -> dict[str, str]:
    """Last month each participant (by registration client id) is paid through after the valid payments.

    With ``day``, only the payments made on or before it count.
    """
    last: dict[str, int] = {}
    for item in plan.contributions:
        if item.valid and _by(day, item):
            body = item.body
            end = month_index(body["first_month"]) + body["months"] - 1
            owner = body["participant_client_id"]
            last[owner] = max(end, last.get(owner, end))
    return {owner: month_text(month) for owner, month in last.items()}


def _state_rows(
    registrations: list[Item], through: dict[str, str], day: date, key_of: Callable[[Item], str | None]
) -> dict[str, dict[str, int]]:
    table: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for item in registrations:
        key = key_of(item)
        if key is None:
            continue
        row = table[key]
        row["registered"] += 1
        row[state_of(through.get(item.body["client_id"]), day).value] += 1
    return {key: {col: counts[col] for col in STATES} for key, counts in sorted(table.items())}


def coverage(
    plan: Plan, day: date, *, by: Grouping = "branch", branch: str | None = None
) -> dict[str, dict[str, int]]:
    """What ``GET /v1/coverage?by=BY&as_of=DAY&branch=BRANCH`` must answer once the plan is stored.

    One row per key (branch code, village code, segment or campaign id) with the participants
    registered by ``day``, by their state on ``day`` (see the module's docstring); a key with
    nobody registered by then has no row. ``campaign`` leaves out the participants that no
    campaign brought (the API files them under an empty key).
    """
    field = _FIELD[by]

    def key_of(item: Item) -> str | None:
        value = item.branch if by == "branch" else item.body.get(field)
        return None if value is None else str(value)

    registered = [i for i in plan.registrations if i.valid and _by(day, i) and branch in (None, i.branch)]
    return _state_rows(registered, paid_through(plan, day), day, key_of)


def movement(plan: Plan, day: date, *, branch: str) -> dict[str, int]:
    """Valid registrations and payments of ``branch`` recorded on ``day``, and their rupiah.

    What ``/v1/timeseries?branch=BRANCH&from=DAY&to=DAY`` sums to (``jangkau status`` shows it).
    """
    text = day.isoformat()
    mine = [i for i in (*plan.registrations, *plan.contributions) if i.valid and i.branch == branch]
    that_day = [i for i in mine if i.day == text]
    paid = [i for i in that_day if i.kind == "contribution"]
    return {
        "registrations": sum(1 for i in that_day if i.kind == "registration"),
        "contributions": len(paid),
        "rupiah": sum(int(i.body["amount"]) for i in paid),
    }


def ground_truth(plan: Plan, day: date | None = None) -> dict[str, dict[str, int]]:
    """Counts per branch (and ``total``) expected when every valid item is stored and no invalid one.

    Without ``day``: everything the plan sends, states on the plan's 'today'. With ``day``: as of
    that day; the participants registered, the payments made, and the entries rejected by then.
    """
    as_of = day or plan.today
    table: defaultdict[str, Counter[str]] = defaultdict(Counter)
    registered = []
    for item in plan.registrations:
        if not _by(day, item):
            continue
        if item.valid:
            registered.append(item)
        else:
            table[item.branch]["rejected_registrations"] += 1
    for branch, row in _state_rows(registered, paid_through(plan, day), as_of, lambda i: i.branch).items():
        table[branch].update(row)
    for item in plan.contributions:
        if not _by(day, item):
            continue
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
    plan: Plan,
    counts: dict[str, dict[str, int]],
    *,
    seed: int,
    scale: float,
    invalid_share: float,
    as_of: date | None = None,
) -> dict[str, Any]:
    """The JSON written by ``--truth``: the run's parameters and the counts (``ground_truth(plan, as_of)``).

    ``today`` is the simulated now (nothing happens after it); ``as_of`` the day the counts are
    for (``today`` unless asked otherwise).
    """
    return {
        "scenario": plan.scenario.name,
        "seed": seed,
        "scale": scale,
        "invalid_share": invalid_share,
        "today": plan.today.isoformat(),
        "as_of": (as_of or plan.today).isoformat(),
        "states_rule": "due by the 15th; 1-3 overdue months unpaid = arrears; more = lapsed",
        "count_rule": "registered on or before as_of; paid through the payments made on or before as_of",
        "branches": counts,
    }
