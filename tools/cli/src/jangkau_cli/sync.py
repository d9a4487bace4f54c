"""Send an offline queue in batches, resumably, and report what happened to every line."""

import csv
import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

import orjson

from jangkau_cli.api import ACCEPTED, CONTRIBUTIONS, REGISTRATIONS, ItemResult, Services, send_batch
from jangkau_cli.client import describe_errors
from jangkau_cli.errors import CliError, ExitCode, Interrupted
from jangkau_cli.queue import REFERENCE, Line, load_queue

DEFAULT_BATCH = 500
PENDING = "pending"
REPORT_COLUMNS = ("line", "kind", "client_id", "status", "participant_id", "errors")
STATE_VERSION = 2
EDITED_AFTER_STORED = "changed after it was stored; not sent again: the service keeps the item as first sent"
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
    """Answers received so far, by client id, with the content each answered; saved after every batch.

    A stored item's answer holds whatever its line says later: the service keeps the item under
    its client id. A rejection holds only for the content it rejected, because the service
    remembers no rejections: a corrected line is sent again under the same client id.
    """

    path: Path
    done: dict[str, ItemResult] = field(default_factory=dict)
    contents: dict[str, str] = field(default_factory=dict)  # client id -> content_key answered

    @classmethod
    def load(cls, path: Path) -> "SyncState":
        """Read the state file (missing: nothing done yet; version 1 kept no contents)."""
        if not path.is_file():
            return cls(path)
        try:
            raw = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError as err:
            raise CliError(f"resume state {path} is damaged ({err}); delete it to send again (safe)") from err
        state = cls(path)
        for client_id, entry in raw.get("done", {}).items():
            content = entry.pop("content", None)
            state.done[client_id] = ItemResult(**entry)
            if content is not None:
                state.contents[client_id] = str(content)
        return state

    def answer(self, client_id: str, content: str) -> ItemResult | None:
        """The answer that still holds for a line with this content (None: send it)."""
        answer = self.done.get(client_id)
        if answer is None or answer.accepted or self.contents.get(client_id) == content:
            return answer
        return None

    def edited_after_stored(self, client_id: str, content: str) -> bool:
        """True when the line of a stored item no longer says what was sent."""
        answer, sent = self.done.get(client_id), self.contents.get(client_id)
        return answer is not None and answer.accepted and sent is not None and sent != content

    def record(self, answered: Iterable[tuple[ItemResult, str]]) -> None:
        """Remember answers with the content they answered, and save at once."""
        for result, content in answered:
            self.done[result.client_id] = result
            self.contents[result.client_id] = content
        self.save()

    def save(self) -> None:
        """Write the state file atomically (a Ctrl-C mid-write leaves the previous one)."""
        done = {cid: {**asdict(r), "content": self.contents.get(cid)} for cid, r in self.done.items()}
        body = {"version": STATE_VERSION, "done": done}
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_bytes(orjson.dumps(body, option=orjson.OPT_INDENT_2))
        tmp.replace(self.path)


@dataclass
class SyncOutcome:
    """What a sync did: counts by status, where the report is, and why it stopped early if it did."""

    counts: Counter[str]
    report: Path
    interrupted: CliError | None = None
    sent: Counter[str] = field(default_factory=Counter)  # statuses the service answered in this run
    edited_after_stored: int = 0

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

    def this_run(self) -> str:
        """One line on what this run sent and what is left, e.g. after a Ctrl-C."""
        stored = sum(n for status, n in self.sent.items() if status in ACCEPTED)
        total = sum(self.sent.values())
        return (
            f"this run: {total} sent, {stored} stored, {total - stored} rejected; "
            f"{self.counts[PENDING]} pending"
        )


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


def content_key(line: Line, branch: str | None = None) -> str:
    """A digest of what the line asks the service, as it stands before sending.

    Key order, spacing and JSONL or CSV do not change it; any field does, and so does the
    ``--branch`` given to a registration without one. It holds no more than the queue file
    beside the state file already holds in clear.
    """
    asked = {**_payload(line, branch), "kind": line.kind, REFERENCE: line.reference}
    return hashlib.blake2b(orjson.dumps(asked, option=orjson.OPT_SORT_KEYS), digest_size=16).hexdigest()


class Syncer:
    """One run of ``jangkau sync`` over one file."""

    def __init__(self, path: Path, services: Services, *, batch_size: int, branch: str | None) -> None:
        self.path, self.services, self.branch = path, services, branch
        self.batch_size = max(1, batch_size)
        self.lines = load_queue(path)
        self.state = SyncState.load(state_path(path))
        # Taken before sending, which fills in the participant ids of contributions.
        self.contents = {ln.number: content_key(ln, branch) for ln in self.lines if ln.kind}
        self.local: dict[int, ItemResult] = {}  # line number -> answer decided without the server
        self.sent: Counter[str] = Counter()

    def run(self, progress: Progress) -> SyncOutcome:
        """Send what has no answer for its content yet, registrations first; always write the report.

        A Ctrl-C stops the sending but not the bookkeeping: the answers received are saved and the
        report lists the rest as pending, so the next run sends only those.
        """
        todo = [ln for ln in self.lines if ln.kind and self._answer(ln) is None]
        progress.start(len(todo))
        interrupted: CliError | None = None
        try:
            self._send(REGISTRATIONS, [ln for ln in todo if ln.kind == "registration"], progress)
            self._send(CONTRIBUTIONS, self._resolved(todo, progress), progress)
        except CliError as err:
            if err.code not in (ExitCode.UNREACHABLE, ExitCode.AUTH, ExitCode.SERVER):
                raise
            interrupted = err
        except KeyboardInterrupt:
            self.state.save()  # in case the Ctrl-C came between taking answers and saving them
            interrupted = Interrupted("interrupted (Ctrl-C)")
        counts = self._write_report()
        edited = sum(1 for ln in self.lines if ln.kind and self._edited(ln))
        return SyncOutcome(counts, report_path(self.path), interrupted, self.sent, edited)

    def _answer(self, line: Line) -> ItemResult | None:
        return self.state.answer(str(line.client_id), self.contents[line.number])

    def _edited(self, line: Line) -> bool:
        return self.state.edited_after_stored(str(line.client_id), self.contents[line.number])

    def _send(self, path: str, lines: list[Line], progress: Progress) -> None:
        client = self.services.registration
        for batch in chunks(lines, self.batch_size):
            results = send_batch(client, path, [_payload(ln, self.branch) for ln in batch])
            self.state.record(zip(results, [self.contents[ln.number] for ln in batch], strict=True))
            self.sent.update(result.status for result in results)
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
            answer = self._answer(registration) if registration else None
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
        if line.error is not None or line.kind is None:
            return ItemResult(line.client_id or "", "invalid", None, [{"reason": str(line.error)}])
        answer = self._answer(line) or self.local.get(line.number)
        if answer is None:
            return ItemResult(str(line.client_id), PENDING)
        if self._edited(line):
            return replace(answer, errors=[*answer.errors, {"reason": EDITED_AFTER_STORED}])
        return answer

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
