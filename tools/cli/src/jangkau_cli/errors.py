"""Errors a user can act on, each with the exit code the command ends with."""

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of every ``jangkau`` command (documented in docs/field-teams.md)."""

    OK = 0
    REJECTED = 1  # the server (or the file check) rejected some input; see the report
    USAGE = 2  # wrong options or arguments (typer's own code for usage errors)
    CONFIG = 3  # configuration missing or unreadable (no token, bad URL, bad config file)
    UNREACHABLE = 4  # a service could not be reached or kept failing; nothing was lost, re-run
    AUTH = 5  # the token was refused (401) or may not act for this branch (403)
    SERVER = 6  # the service answered something unexpected (5xx after retries, not JSON)
    NOT_FOUND = 7  # the participant, campaign or branch does not exist
    INTERRUPTED = 130  # the user pressed Ctrl-C (128 + SIGINT, as shells report it); re-run to finish


class CliError(Exception):
    """A failure explained to the user in one or two sentences, without a stack trace."""

    code: ExitCode = ExitCode.SERVER

    def __init__(self, message: str, *, code: ExitCode | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class ConfigError(CliError):
    """Configuration is missing or wrong."""

    code = ExitCode.CONFIG


class Unreachable(CliError):
    """A service did not answer (connection refused, DNS, timeout, repeated 5xx)."""

    code = ExitCode.UNREACHABLE


class AuthFailed(CliError):
    """The service refused the token (401) or the team's scope (403)."""

    code = ExitCode.AUTH


class NotFound(CliError):
    """The thing asked for does not exist."""

    code = ExitCode.NOT_FOUND


class Interrupted(CliError):
    """The user pressed Ctrl-C: what was answered is kept, the rest waits for the next run."""

    code = ExitCode.INTERRUPTED
