"""Rich tables for whatever JSON the services answer: known columns first, unknown ones kept."""

from typing import Any

from rich import box
from rich.console import JustifyMethod
from rich.table import Table

from jangkau_cli.api import ItemResult
from jangkau_cli.client import describe_errors

MISSING = "—"


def cell(value: Any) -> str:
    """Show a JSON value in a table cell."""
    if value is None:
        return MISSING
    if isinstance(value, float):
        return f"{value:.1%}" if 0 <= value <= 1 else f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={cell(v)}" for k, v in value.items())
    return str(value)


def rows_of(data: Any) -> list[dict[str, Any]]:
    """The list of records in an answer: a list, or the first list under a known key."""
    if isinstance(data, list):
        return [r if isinstance(r, dict) else {"value": r} for r in data]
    if isinstance(data, dict):
        for key in ("items", "results", "standings", "campaigns", "branches", "rows", "data"):
            if isinstance(data.get(key), list):
                return rows_of(data[key])
        return [data]
    return [{"value": data}]


def records_table(
    title: str, records: list[dict[str, Any]], preferred: tuple[str, ...] = (), *, only: bool = False
) -> Table:
    """A table of records with ``preferred`` columns first, then (unless ``only``) every other key seen.

    ``only`` keeps a table readable in an 80-column terminal; ``--json`` still gives every field.
    Ids never wrap, so they can be copied whole.
    """
    columns = [c for c in preferred if any(c in r for r in records)]
    if not only:
        columns += [k for r in records for k in r if k not in columns and not isinstance(r[k], dict | list)]
    columns = list(dict.fromkeys(columns))
    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for name in columns:
        numeric = _numeric(records, name)
        justify: JustifyMethod = "right" if numeric else "left"
        values = [cell(r.get(name)) for r in records]
        # Only free text (names) wraps, so numbers, ids, codes and dates are never cut; a header
        # wider than its values goes on one line per word.
        free_text = any(" " in v for v in values)
        widest = max(map(len, values), default=0)
        header = name.replace("_", " ") if free_text or len(name) <= widest else name.replace("_", "\n")
        table.add_column(header, justify=justify, no_wrap=not free_text)
    for record in records:
        table.add_row(*(cell(record.get(name)) for name in columns))
    return table


def mapping_table(title: str, data: dict[str, Any]) -> Table:
    """A two-column table of one record."""
    table = Table(title=title, show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for key, value in data.items():
        table.add_row(key.replace("_", " "), cell(value))
    return table


def result_line(result: ItemResult) -> str:
    """One line about one item's outcome."""
    who = f" participant {result.participant_id}" if result.participant_id else ""
    errors = f": {describe_errors(result.errors)}" if result.errors else ""
    return f"{result.status}{who} (client id {result.client_id}){errors}"


def _numeric(records: list[dict[str, Any]], name: str) -> bool:
    values = [r.get(name) for r in records if r.get(name) is not None]
    return bool(values) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
