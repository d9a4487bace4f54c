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
    """Tables for a branch's coverage: the totals, today's movement, and the villages if listed."""
    summary = _with_arrears({k: v for k, v in data.items() if k not in ("today", "villages")})
    summary.setdefault("branch", branch)
    title = f"Coverage of branch {branch}" + (f" as of {data['as_of']}" if data.get("as_of") else "")
    parts: list[Table] = [records_table(title, [summary], COVERAGE_COLUMNS, only=True)]
    if isinstance(data.get("today"), dict):
        parts.append(mapping_table("Today's movement", data["today"]))
    if data.get("villages"):
        rows = [_with_arrears(r) for r in data["villages"]]
        parts.append(records_table("By village", rows, VILLAGE_COLUMNS, only=True))
    return Group(*parts)
