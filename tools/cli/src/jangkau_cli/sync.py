"""Send an offline queue in batches, resumably, and report what happened to every line."""

import csv
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import orjson

from jangkau_cli.api import ACCEPTED, CONTRIBUTIONS, REGISTRATIONS, ItemResult, Services, send_batch
from jangkau_cli.client import describe_errors
from jangkau_cli.errors import CliError, ExitCode
from jangkau_cli.queue import REFERENCE, Line, load_queue

DEFAULT_BATCH = 500
PENDING = "pending"
REPORT_COLUMNS = ("line", "kind", "client_id", "status", "participant_id", "errors")
T = TypeVar("T")


class Progress(Protocol):
    """Where progress goes (a rich progress bar, or nothing)."""

    def start(self, total: int) -> None:
        """Announce how many items will be sent."""

    def advance(self, done: int) -> None:
        """Count items that got a final answer."""


class NoProgress:
    """Progress that shows nothing."""

    def start(self, total: int) -> None:
        """Ignore."""

    def advance(self, done: int) -> None:
        """Ignore."""


def state_path(path: Path) -> Path:
    """The resume state beside the input: ``FILE.jangkau-sync.json``."""
    return path.with_name(path.name + ".jangkau-sync.json")


def report_path(path: Path) -> Path:
    """The per-line report beside the input: ``FILE.results.csv``."""
    return path.with_name(path.name + ".results.csv")


@dataclass
class SyncState:
    """Final answers received so far, by client id; saved after every batch."""

    path: Path
    done: dict[str, ItemResult] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> "SyncState":
        """Read the state file (missing: nothing done yet)."""
        if not path.is_file():
            return cls(path)
        try:
            raw = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError as err:
            raise CliError(f"resume state {path} is damaged ({err}); delete it to send again (safe)") from err
        return cls(path, {cid: ItemResult(**result) for cid, result in raw.get("done", {}).items()})

    def record(self, results: list[ItemResult]) -> None:
        """Remember final answers and save at once (atomically)."""
        self.done.update({result.client_id: result for result in results})
        body = {"version": 1, "done": {cid: asdict(result) for cid, result in self.done.items()}}
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_bytes(orjson.dumps(body, option=orjson.OPT_INDENT_2))
        tmp.replace(self.path)


@dataclass
class SyncOutcome:
    """What a sync did: counts by status, where the report is, and why it stopped early if it did."""

    counts: Counter[str]
    report: Path
    interrupted: CliError | None = None

    @property
    def rejected(self) -> int:
        """Lines that will not be stored as they are (fix them and sync them again)."""
        return sum(n for status, n in self.counts.items() if status not in ACCEPTED and status != PENDING)

    @property
    def exit_code(self) -> ExitCode:
        """Interruption first (re-run to finish), then rejections, else OK."""
        if self.interrupted is not None:
            return self.interrupted.code
        return ExitCode.REJECTED if self.rejected else ExitCode.OK


def chunks(items: list[T], size: int) -> Iterator[list[T]]:
    """``items`` in consecutive lists of ``size`` (the last may be shorter)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _payload(line: Line, branch: str | None = None) -> dict[str, Any]:
    body = {k: v for k, v in line.item.items() if k != REFERENCE}
    body["client_id"] = line.client_id
    if branch and line.kind == "registration":
        body.setdefault("branch", branch)
    return body


class Syncer:
    """One run of ``jangkau sync`` over one file."""

    def __init__(self, path: Path, services: Services, *, batch_size: int, branch: str | None) -> None:
        self.path, self.services, self.branch = path, services, branch
        self.batch_size = max(1, batch_size)
        self.lines = load_queue(path)
        self.state = SyncState.load(state_path(path))
        self.local: dict[int, ItemResult] = {}  # line number -> answer decided without the server

    def run(self, progress: Progress) -> SyncOutcome:
        """Send what has no final answer yet, registrations first; always write the report."""
        todo = [ln for ln in self.lines if ln.kind and ln.client_id not in self.state.done]
        progress.start(len(todo))
        interrupted: CliError | None = None
        try:
            self._send(REGISTRATIONS, [ln for ln in todo if ln.kind == "registration"], progress)
            self._send(CONTRIBUTIONS, self._resolved(todo, progress), progress)
        except CliError as err:
            if err.code not in (ExitCode.UNREACHABLE, ExitCode.AUTH, ExitCode.SERVER):
                raise
            interrupted = err
        return SyncOutcome(self._write_report(), report_path(self.path), interrupted)

    def _send(self, path: str, lines: list[Line], progress: Progress) -> None:
        client = self.services.registration
        for batch in chunks(lines, self.batch_size):
            items = [_payload(ln, self.branch) for ln in batch]
            self.state.record(send_batch(client, path, items))
            progress.advance(len(batch))

    def _resolved(self, todo: list[Line], progress: Progress) -> list[Line]:
        """Contributions ready to send, their participant ids filled from registration answers."""
        by_client_id = {ln.client_id: ln for ln in self.lines if ln.kind == "registration"}
        ready = []
        for line in (ln for ln in todo if ln.kind == "contribution"):
            reference = line.reference
            if reference is None or line.item.get("participant_id"):
                ready.append(line)
                continue
            registration = by_client_id.get(reference)
            answer = self.state.done.get(reference)
            if registration is None:
                reason = f"{REFERENCE} {reference} matches no registration line in this file"
            elif answer is None or answer.participant_id is None:
                status = answer.status if answer else "unsent"
                reason = f"its registration (line {registration.number}) was not stored: {status}"
            else:
                line.item["participant_id"] = answer.participant_id
                ready.append(line)
                continue
            self.local[line.number] = ItemResult(str(line.client_id), "skipped", None, [{"reason": reason}])
            progress.advance(1)
        return ready

    def _result(self, line: Line) -> ItemResult:
        if line.error is not None:
            return ItemResult(line.client_id or "", "invalid", None, [{"reason": line.error}])
        answer = self.state.done.get(str(line.client_id)) or self.local.get(line.number)
        return answer or ItemResult(str(line.client_id), PENDING)

    def _participant_of(self, line: Line) -> str | None:
        """The participant a line names, directly or through its registration line's answer."""
        named = line.item.get("participant_id")
        if named or line.reference is None:
            return str(named) if named else None
        answer = self.state.done.get(line.reference)
        return answer.participant_id if answer else None

    def _write_report(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        tmp = report_path(self.path).with_suffix(".tmp")
        with tmp.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(REPORT_COLUMNS)
            for line in self.lines:
                result = self._result(line)
                counts[result.status] += 1
                participant_id = result.participant_id or self._participant_of(line) or ""
                row = (line.number, line.kind or "", result.client_id, result.status, participant_id)
                writer.writerow((*row, describe_errors(result.errors) if result.errors else ""))
        tmp.replace(report_path(self.path))
        return counts


def sync_file(
    path: Path,
    services: Services,
    *,
    batch_size: int = DEFAULT_BATCH,
    branch: str | None = None,
    progress: Progress | None = None,
) -> SyncOutcome:
    """Sync one queue file; see Syncer. Importable for tests and the end-to-end suite."""
    return Syncer(path, services, batch_size=batch_size, branch=branch).run(progress or NoProgress())
