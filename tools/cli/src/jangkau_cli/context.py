"""What every command needs: settings, service clients, console, and turning CliError into an exit code."""

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, ParamSpec, TypeVar

import httpx
import typer
from rich.console import Console

from jangkau_cli.api import Services
from jangkau_cli.client import METRICS_ADMIN_TOKEN, ApiClient
from jangkau_cli.config import Settings, load_settings
from jangkau_cli.errors import CliError, ConfigError, ExitCode

P = ParamSpec("P")
R = TypeVar("R")

#: The ``--json`` option of every command that prints an answer.
Json = Annotated[bool, typer.Option("--json", help="Print the raw JSON answer (for scripts).")]

console = Console()
err_console = Console(stderr=True)
_transport: httpx.BaseTransport | None = None


@contextmanager
def use_transport(transport: httpx.BaseTransport) -> Iterator[None]:
    """Route every request through ``transport`` (tests use httpx.MockTransport)."""
    global _transport  # one switch for tests, never set in production
    previous, _transport = _transport, transport
    try:
        yield
    finally:
        _transport = previous


def settings() -> Settings:
    """Settings of this invocation (file, then environment)."""
    return load_settings()


def branch_or_default(branch: str | None) -> str:
    """The branch given, else the configured one; explain how to set one when neither is."""
    code = branch or settings().branch
    if not code:
        raise ConfigError("which branch? pass --branch denpasar or `jangkau config set branch denpasar`")
    return code


def today() -> str:
    """Today on this computer's calendar, YYYY-MM-DD: the field team's day."""
    return date.today().isoformat()


def day_shown(as_of: str | None, option: str = "--as-of") -> str:
    """The day a command shows and sends to the services: ``as_of`` (checked), else today.

    Commands always name the day in their requests, so a figure is never of a day the service
    picked on its own clock, and every title can say which day it shows.
    """
    if as_of is None:
        return today()
    try:
        return date.fromisoformat(as_of).isoformat()
    except ValueError:
        raise CliError(f"{option} must be a day, YYYY-MM-DD, not {as_of!r}", code=ExitCode.USAGE) from None


def services(*, need_token: bool = True) -> Services:
    """Clients of the three services with the configured URLs and token."""
    resolved = settings()
    if need_token:
        resolved.require_token()
    return Services.from_settings(resolved, _transport)


def metrics_admin() -> ApiClient:
    """A client of the metrics service with the metrics admin token (ops: setting targets)."""
    resolved = settings()
    token = resolved.require_metrics_admin_token()
    return ApiClient("metrics", resolved.metrics_url, token, _transport, credential=METRICS_ADMIN_TOKEN)


def handled(command: Callable[P, R]) -> Callable[P, R]:
    """Print a CliError as one line on stderr and exit with its code, instead of a stack trace."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except CliError as err:
            err_console.print(f"[bold red]error:[/] {err}", highlight=False, soft_wrap=True)
            raise typer.Exit(int(err.code)) from None

    return wrapper


def print_json(data: Any) -> None:
    """Print data as JSON (for scripts: ``--json``)."""
    console.print_json(data=data)
