"""A small HTTP client for the Jangkau APIs that turns transport and auth failures into plain words."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from jangkau_cli.errors import AuthFailed, CliError, ExitCode, NotFound, Unreachable

#: Statuses worth retrying: the request may succeed a moment later.
TRANSIENT = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class Answer:
    """A decoded JSON answer and its HTTP status."""

    status: int
    body: Any

    def errors(self) -> list[dict[str, Any]]:
        """Return the problem's ``errors`` ({field, value, reason}), or one built from its detail."""
        if isinstance(self.body, dict):
            listed = self.body.get("errors")
            if isinstance(listed, list) and listed:
                return [e if isinstance(e, dict) else {"reason": str(e)} for e in listed]
            detail = self.body.get("detail") or self.body.get("title")
            if detail:
                return [{"field": None, "value": None, "reason": str(detail)}]
        return [{"field": None, "value": None, "reason": f"HTTP {self.status}"}]


def describe_errors(errors: list[dict[str, Any]]) -> str:
    """Render field errors as ``field (value): reason; ...`` for a terminal or a CSV cell."""
    parts = []
    for error in errors:
        name, value, reason = error.get("field"), error.get("value"), error.get("reason", "invalid")
        where = f"{name} ({value!r})" if name and value is not None else (name or "")
        parts.append(f"{where}: {reason}" if where else str(reason))
    return "; ".join(parts)


@dataclass(frozen=True)
class Credential:
    """Which token a client sends, in the words a refusal of it needs (401: the token; 403: the right)."""

    on_401: str
    on_403: str


TEAM_TOKEN = Credential(
    on_401="it is missing, mistyped or revoked; set a valid one with `jangkau config set token <token>`"
    " or JANGKAU_TOKEN",
    on_403="your team's token may not act for this branch; ask ops for a token that covers it",
)
METRICS_ADMIN_TOKEN = Credential(
    on_401="targets need the metrics admin token (JANGKAU_METRICS_ADMIN_TOKEN of the metrics service),"
    " not a team token: `jangkau config set metrics-admin-token <token>`",
    on_403="the metrics service has no admin token configured (JANGKAU_METRICS_ADMIN_TOKEN), so its"
    " targets are read-only; ops set it where the service runs",
)


@dataclass
class ApiClient:
    """Talks to one service (registration, campaigns or metrics) with a token (the team's by default)."""

    service: str
    base_url: str
    token: str | None = None
    transport: httpx.BaseTransport | None = None
    timeout: float = 30.0
    retries: int = 2
    sleep: Callable[[float], None] = time.sleep
    credential: Credential = TEAM_TOKEN
    _http: httpx.Client | None = field(default=None, init=False, repr=False)

    def _client(self) -> httpx.Client:
        if self._http is None:
            headers = {"Accept": "application/json", "User-Agent": "jangkau-cli/0.1"}
            if self.token:
                headers["Authorization"] = f"Bearer {self.token}"
            self._http = httpx.Client(
                base_url=self.base_url.rstrip("/"),
                headers=headers,
                timeout=self.timeout,
                transport=self.transport,
            )
        return self._http

    def get(self, path: str, **params: Any) -> Answer:
        """GET ``path``; None-valued params are left out."""
        query = {k: v for k, v in params.items() if v is not None}
        return self.request("GET", path, params=query)

    def post(self, path: str, body: Any) -> Answer:
        """POST a JSON body."""
        return self.request("POST", path, content=orjson.dumps(body))

    def put(self, path: str, body: Any) -> Answer:
        """PUT a JSON body."""
        return self.request("PUT", path, content=orjson.dumps(body))

    def delete(self, path: str) -> Answer:
        """DELETE ``path``."""
        return self.request("DELETE", path)

    def request(self, method: str, path: str, **kwargs: Any) -> Answer:
        """Send a request, retrying transient failures; raise CliError for what the user must fix."""
        headers = {"Content-Type": "application/json"} if "content" in kwargs else None
        for attempt in range(self.retries + 1):
            try:
                response = self._client().request(method, path, headers=headers, **kwargs)
            except httpx.TimeoutException as err:
                if attempt < self.retries:
                    self.sleep(2**attempt)
                    continue
                raise Unreachable(self._unreachable("timed out")) from err
            except httpx.TransportError as err:
                raise Unreachable(self._unreachable(_reason(err))) from err
            if response.status_code in TRANSIENT and attempt < self.retries:
                self.sleep(2**attempt)
                continue
            return self._answer(response)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _unreachable(self, reason: str) -> str:
        return (
            f"cannot reach {self.service} at {self.base_url}: {reason}; "
            "is the stack up? try `make up` (or check the URL with `jangkau config show`)"
        )

    def _answer(self, response: httpx.Response) -> Answer:
        try:
            body = orjson.loads(response.content) if response.content else None
        except orjson.JSONDecodeError:
            body = {"detail": response.text[:200]}
        answer = Answer(response.status_code, body)
        if response.status_code == 401:
            raise AuthFailed(f"{self.service} refused the token (401): {self.credential.on_401}")
        if response.status_code == 403:
            raise AuthFailed(
                f"{self.service} refused the request (403; {describe_errors(answer.errors())}): "
                f"{self.credential.on_403}"
            )
        if response.status_code >= 500 or response.status_code in TRANSIENT:
            raise Unreachable(
                f"{self.service} at {self.base_url} failed with HTTP {response.status_code} "
                f"({describe_errors(answer.errors())}); nothing was lost, try again in a moment"
            )
        return answer

    def ok(self, answer: Answer, what: str) -> Any:
        """Return the body of a 2xx answer; raise a CliError that names ``what`` otherwise."""
        if 200 <= answer.status < 300:
            return answer.body
        message = f"{what}: {describe_errors(answer.errors())}"
        if answer.status == 404:
            raise NotFound(message)
        raise CliError(message, code=ExitCode.REJECTED if answer.status < 500 else ExitCode.SERVER)


def _reason(err: httpx.TransportError) -> str:
    """Return the innermost cause of a transport error in a few words ("connection refused")."""
    cause: BaseException = err
    while cause.__cause__ is not None or cause.__context__ is not None:
        cause = cause.__cause__ or cause.__context__  # type: ignore[assignment]
    text = str(cause) or str(err) or type(err).__name__
    if "refused" in text.lower():
        return "connection refused"
    return text
