"""The offline queue file a phone or laptop collected: JSONL or CSV, one registration or payment a line."""

import csv
import io
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

KINDS = ("registration", "contribution")
#: CSV columns that hold whole numbers.
INT_FIELDS = frozenset({"income_bracket", "months", "amount"})
#: CSV columns that hold lists (separated by ``;``, ``,`` or spaces): "JKK;JKM;JHT".
LIST_FIELDS = frozenset({"programmes"})
REFERENCE = "participant_client_id"


@dataclass
class Line:
    """One line of the queue: an item to send, or a local problem that keeps it from being sent."""

    number: int
    kind: str | None
    client_id: str | None
    item: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def reference(self) -> str | None:
        """Client id of the registration a contribution refers to, if it refers by client id."""
        value = self.item.get(REFERENCE)
        return str(value) if value else None


def _line(number: int, record: dict[str, Any]) -> Line:
    """Check a decoded record's kind and take its client id."""
    kind = record.pop("kind", None)
    client_id = str(record["client_id"]) if record.get("client_id") else None
    if kind not in KINDS:
        return Line(
            number, None, client_id, record, f"kind must be registration or contribution, not {kind!r}"
        )
    return Line(number, str(kind), client_id, record)


def read_jsonl(text: str) -> tuple[list[Line], list[str]]:
    """Decode JSONL; return the lines and the file's physical lines (for writing client ids back)."""
    physical = text.splitlines()
    lines = []
    for number, raw in enumerate(physical, start=1):
        if not raw.strip():
            continue
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError as err:
            lines.append(Line(number, None, None, error=f"not valid JSON: {err}"))
            continue
        if not isinstance(record, dict):
            lines.append(Line(number, None, None, error="a line must be a JSON object"))
            continue
        lines.append(_line(number, record))
    return lines, physical


def _cell(name: str, value: str) -> Any:
    if name in INT_FIELDS and value.strip().lstrip("-").isdigit():
        return int(value)
    if name in LIST_FIELDS:
        return [part for part in value.replace(";", " ").replace(",", " ").split() if part]
    return value


def read_csv(text: str) -> tuple[list[Line], list[str]]:
    """Decode CSV with a header row; empty cells are left out of the item."""
    reader = csv.DictReader(io.StringIO(text))
    lines = []
    for row in reader:
        record = {k: _cell(k, v) for k, v in row.items() if k and v is not None and v.strip() != ""}
        if not record:
            continue
        if None in row:
            lines.append(Line(reader.line_num, None, None, error="more cells than header columns"))
            continue
        lines.append(_line(reader.line_num, record))
    return lines, list(reader.fieldnames or [])


def is_csv(path: Path) -> bool:
    """CSV by extension; everything else is read as JSONL."""
    return path.suffix.lower() == ".csv"


def load_queue(path: Path) -> list[Line]:
    """Read the queue, giving a new client id to every line without one and writing the ids back.

    The ids are written to the file before anything is sent, so an interrupted sync that is run
    again sends the same ids and the server recognises what it already has.
    """
    text = path.read_text("utf-8-sig")
    lines, layout = read_csv(text) if is_csv(path) else read_jsonl(text)
    missing = [line for line in lines if line.client_id is None and line.kind is not None]
    for line in missing:
        line.client_id = str(uuid.uuid4())
    if missing:
        _write_back(path, text, lines, layout)
    return lines


def _write_back(path: Path, text: str, lines: list[Line], layout: list[str]) -> None:
    if is_csv(path):
        body = _csv_with_ids(text, lines, layout)
    else:
        physical = list(layout)
        for line in lines:
            if line.kind is not None and not line.item.get("client_id"):
                record = {"kind": line.kind, "client_id": line.client_id, **line.item}
                physical[line.number - 1] = orjson.dumps(record).decode()
        body = "\n".join(physical) + "\n"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(body, "utf-8")
    tmp.replace(path)


def _csv_with_ids(text: str, lines: list[Line], columns: list[str]) -> str:
    """Rewrite the CSV cell by cell (extra cells kept), filling the client_id column."""
    ids = {line.number: line.client_id or "" for line in lines}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    added = "client_id" not in header
    if added:
        header.insert(1, "client_id")
    at = header.index("client_id")
    writer.writerow(header)
    for row in reader:
        if added and row:
            row.insert(at, "")
        if row and reader.line_num in ids:
            row.extend([""] * (at + 1 - len(row)))
            row[at] = row[at] or ids[reader.line_num]
        writer.writerow(row)
    return out.getvalue()
