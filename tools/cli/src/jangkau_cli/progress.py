"""A rich progress bar that fits the sync and simulator Progress protocol."""

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


class BarProgress:
    """Shows items answered out of items to send."""

    def __init__(self, console: Console, description: str) -> None:
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._task = self._bar.add_task(description, total=None)

    def __enter__(self) -> "BarProgress":
        self._bar.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._bar.stop()

    def start(self, total: int) -> None:
        """Set the number of items to send."""
        self._bar.update(self._task, total=total)

    def advance(self, done: int) -> None:
        """Count answered items."""
        self._bar.advance(self._task, done)
