"""The coverage table of one branch, from whatever the metrics service's JSON offers."""

from typing import Any

from rich.console import Group
from rich.table import Table

from jangkau_cli.render import mapping_table, records_table, rows_of

COVERAGE_COLUMNS = (
    "branch",
    "village_code",
    "segment",
    "campaign_id",
    "registered",
    "never_paid",
    "active",
    "arrears",
    "arrears_1",
    "arrears_2",
    "arrears_3",
    "lapsed",
    "target",
    "coverage",
)
MOVEMENT_KEYS = ("today", "movement", "today_movement", "changes_today")
BREAKDOWNS = ("villages", "segments", "campaigns", "rows", "items")


def _flatten_states(record: dict[str, Any]) -> dict[str, Any]:
    """Lift a nested ``states``/``counts`` mapping into the record's own columns."""
    flat = {k: v for k, v in record.items() if k not in ("states", "counts")}
    for key in ("states", "counts"):
        if isinstance(record.get(key), dict):
            flat.update(record[key])
    return flat


def coverage_view(branch: str, data: Any) -> Group:
    """Tables for a branch's coverage: the totals, today's movement, and any breakdown listed."""
    parts: list[Table] = []
    if isinstance(data, dict):
        summary = _flatten_states({k: v for k, v in data.items() if k not in BREAKDOWNS + MOVEMENT_KEYS})
        summary.setdefault("branch", branch)
        parts.append(records_table(f"Coverage of branch {branch}", [summary], COVERAGE_COLUMNS))
        for key in MOVEMENT_KEYS:
            if isinstance(data.get(key), dict):
                parts.append(mapping_table("Today's movement", data[key]))
        for key in BREAKDOWNS:
            if isinstance(data.get(key), list) and data[key]:
                rows = [_flatten_states(r) for r in rows_of(data[key])]
                parts.append(records_table(f"By {key.rstrip('s')}", rows, COVERAGE_COLUMNS))
    else:
        rows = [_flatten_states(r) for r in rows_of(data)]
        parts.append(records_table(f"Coverage of branch {branch}", rows, COVERAGE_COLUMNS))
    return Group(*parts)
