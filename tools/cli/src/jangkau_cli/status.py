"""The coverage table of one branch, from the summary ``api.coverage`` builds."""

from typing import Any

from rich.console import Group
from rich.table import Table

from jangkau_cli.render import mapping_table, records_table

#: Columns of the terminal tables (they fit 80 columns); `--json` keeps arrears by month.
COVERAGE_COLUMNS = ("registered", "never_paid", "active", "arrears", "lapsed", "target", "coverage")
VILLAGE_COLUMNS = ("village_code", "registered", "never_paid", "active", "arrears", "lapsed")


def _with_arrears(record: dict[str, Any]) -> dict[str, Any]:
    """The record with ``arrears``, the total of its three arrears months, when it has all three."""
    months = [record[f"arrears_{n}"] for n in (1, 2, 3) if isinstance(record.get(f"arrears_{n}"), int)]
    if "arrears" in record or len(months) < 3:
        return dict(record)
    return {**record, "arrears": sum(months)}


def coverage_view(branch: str, data: dict[str, Any]) -> Group:
    """Tables for a branch's coverage on one day: the totals, that day's movement, the villages.

    Every title names the day (``as_of``): the states are those of that day, the movement is what
    was recorded on it, and the coverage is the share of that year's target reached by then.
    """
    day = str(data.get("as_of") or "the day asked")
    summary = _with_arrears({k: v for k, v in data.items() if k not in ("movement", "villages")})
    summary.setdefault("branch", branch)
    totals = records_table(f"Coverage of branch {branch} as of {day}", [summary], COVERAGE_COLUMNS, only=True)
    if summary.get("target") is not None:
        totals.caption = f"coverage: share of the {day[:4]} target reached by {day}"
    parts: list[Table] = [totals]
    if isinstance(data.get("movement"), dict):
        parts.append(mapping_table(f"Movement on {day}", data["movement"]))
    if data.get("villages"):
        rows = [_with_arrears(r) for r in data["villages"]]
        parts.append(records_table(f"By village, as of {day}", rows, VILLAGE_COLUMNS, only=True))
    return Group(*parts)
