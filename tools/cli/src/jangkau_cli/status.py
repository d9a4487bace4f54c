"""The coverage table of one branch, from whatever the metrics service's JSON offers."""

from typing import Any

from rich.console import Group
from rich.table import Table

from jangkau_cli.render import mapping_table, records_table, rows_of

#: Columns of the terminal tables (they fit 80 columns); `--json` keeps arrears by month.
COVERAGE_COLUMNS = ("registered", "never_paid", "active", "arrears", "lapsed", "target", "coverage")
BREAKDOWN_COLUMNS = (
    "village_code",
    "segment",
    "campaign_id",
    "registered",
    "never_paid",
    "active",
    "arrears",
    "lapsed",
)
MOVEMENT_KEYS = ("today", "movement", "today_movement", "changes_today")
BREAKDOWNS = ("villages", "segments", "campaigns", "rows", "items")


def _flatten_states(record: dict[str, Any]) -> dict[str, Any]:
    """Lift a nested ``states``/``counts`` mapping into the record's own columns; total the arrears."""
    flat = {k: v for k, v in record.items() if k not in ("states", "counts")}
    for key in ("states", "counts"):
        if isinstance(record.get(key), dict):
            flat.update(record[key])
    months = [flat[f"arrears_{n}"] for n in (1, 2, 3) if isinstance(flat.get(f"arrears_{n}"), int)]
    if "arrears" not in flat and len(months) == 3:
        flat["arrears"] = sum(months)
    return flat


def coverage_view(branch: str, data: Any) -> Group:
    """Tables for a branch's coverage: the totals, today's movement, and any breakdown listed."""
    parts: list[Table] = []
    if isinstance(data, dict):
        summary = _flatten_states({k: v for k, v in data.items() if k not in BREAKDOWNS + MOVEMENT_KEYS})
        summary.setdefault("branch", branch)
        title = f"Coverage of branch {branch}" + (f" as of {data['as_of']}" if data.get("as_of") else "")
        parts.append(records_table(title, [summary], COVERAGE_COLUMNS, only=True))
        for key in MOVEMENT_KEYS:
            if isinstance(data.get(key), dict):
                parts.append(mapping_table("Today's movement", data[key]))
        for key in BREAKDOWNS:
            if isinstance(data.get(key), list) and data[key]:
                rows = [_flatten_states(r) for r in rows_of(data[key])]
                parts.append(records_table(f"By {key.rstrip('s')}", rows, BREAKDOWN_COLUMNS, only=True))
    else:
        rows = [_flatten_states(r) for r in rows_of(data)]
        parts.append(records_table(f"Coverage of branch {branch}", rows, COVERAGE_COLUMNS))
    return Group(*parts)
