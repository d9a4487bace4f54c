"""HTTP plumbing every service shares: RFC 9457 problems, health, /metrics, body limits."""

import contextlib
import json
from collections.abc import Awaitable, Callable, Iterable
from http import HTTPStatus
from typing import Any, Final

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jangkau_shared.observability import render

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"
SENSITIVE = frozenset({"nik", "name", "phone", "birth_date"})
#: Seconds a client is asked to wait when the database cannot be reached.
RETRY_AFTER_SECONDS: Final = 3
#: SQLSTATE classes of a database that is down, restarting or full, not of a bad statement:
#: 08 connection exception, 57P operator intervention (shutdown, starting up), 53 resources.
UNAVAILABLE_SQLSTATES: Final = ("08", "57P", "53")


class ProblemResponse(JSONResponse):
    """A problem+json answer that can always be rendered, whatever the rejected value held."""

    media_type = PROBLEM_JSON

    def render(self, content: Any) -> bytes:
        """Encode as UTF-8; a lone surrogate (valid in a JSON escape, not in UTF-8) becomes '?'."""
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.encode("utf-8", errors="replace")


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    """Return an RFC 9457 problem details response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    headers = {"Retry-After": str(extra["retry_after"])} if "retry_after" in extra else None
    return ProblemResponse(body, status_code=status, headers=headers)


def field_errors(errors: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Describe validation errors as ``{field, value, reason}``; personal values are masked."""
    described = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body",)]
        name = ".".join(loc) or "body"
        value = error.get("input")
        if SENSITIVE & set(loc):
            value = "<hidden>"
        elif not isinstance(value, str | int | float | bool | None):
            value = None
        described.append({"field": name, "value": value, "reason": error.get("msg", "invalid")})
    return described


def install_problem_handlers(app: FastAPI) -> None:
    """Answer validation errors (422, naming each field and value) and HTTP errors as problems."""

    async def on_validation(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = field_errors(exc.errors())
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5])
        return problem(422, "Invalid request", detail, errors=errors)

    async def on_http_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        response = problem(exc.status_code, HTTPStatus(exc.status_code).phrase, str(exc.detail))
        response.headers.update(exc.headers or {})
        return response

    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    install_unavailable_handler(app)


def database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says the database cannot be reached now, rather than that a query is wrong.

    A refused or reset connection surfaces as an OSError (asyncpg connects outside SQLAlchemy's
    error translation), a connection lost mid-query as a DBAPIError that invalidated it, a server
    shutting down or starting up as a DBAPIError with a SQLSTATE of class 57P or 08, and an
    exhausted pool as SQLAlchemy's TimeoutError.
    """
    if isinstance(exc, OSError | PoolTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None) or ""
    return isinstance(code, str) and code.startswith(UNAVAILABLE_SQLSTATES)


def install_unavailable_handler(app: FastAPI) -> None:
    """Answer 503 with Retry-After (a problem, no stack trace) while the database is unreachable.

    Other database errors are left to the server's 500 handling: they are bugs, not outages.
    """

    async def on_database_error(request: Request, exc: Exception) -> Response:
        if not database_unavailable(exc):
            raise exc
        log.warning("database_unavailable", path=request.url.path, error=type(exc).__name__)
        return problem(
            503,
            "Service unavailable",
            "the database cannot be reached right now; send the request again after Retry-After seconds",
            retry_after=RETRY_AFTER_SECONDS,
        )

    for kind in (OSError, DBAPIError, PoolTimeout):
        app.add_exception_handler(kind, on_database_error)


#: JSON Schema of the problem answers the OpenAPI documents list for every 4xx of every route.
PROBLEM_DETAILS: dict[str, Any] = {
    "title": "ProblemDetails",
    "description": "RFC 9457 problem details; `errors` names each rejected field, its value and the rule.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "required": ["field", "reason"],
                "properties": {"field": {"type": "string"}, "value": {}, "reason": {"type": "string"}},
            },
        },
    },
}
_PROBLEM_REF = {"$ref": "#/components/schemas/ProblemDetails"}


def document_problems(app: FastAPI, *, max_body_bytes: int | None = None) -> None:
    """Make the app's OpenAPI document list its problem answers as ``application/problem+json``.

    Every route with a body may answer 400 (not JSON) and, with ``max_body_bytes``, 413; every
    4xx a route documents is described with the problem schema, replacing FastAPI's default 422.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        schema.setdefault("components", {}).setdefault("schemas", {})["ProblemDetails"] = PROBLEM_DETAILS
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                _describe_problems(operation, max_body_bytes)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _describe_problems(operation: dict[str, Any], max_body_bytes: int | None) -> None:
    responses = operation.setdefault("responses", {})
    if "requestBody" in operation:
        responses.setdefault("400", {"description": "The body is not JSON, or not UTF-8."})
        if max_body_bytes is not None:
            responses.setdefault("413", {"description": f"Body over {max_body_bytes} bytes."})
    for status, response in responses.items():
        if not status.startswith("4"):
            continue
        content = response.get("content", {})
        schema = content.get(PROBLEM_JSON, {}).get("schema") or content.get("application/json", {}).get(
            "schema"
        )
        if schema is None or schema.get("$ref", "").endswith("/HTTPValidationError"):
            schema = _PROBLEM_REF
        response["content"] = {PROBLEM_JSON: {"schema": schema}}


def install_operational_routes(
    app: FastAPI, registry: CollectorRegistry, ready: Callable[[], Awaitable[bool]]
) -> None:
    """Add /health/live, /health/ready and /metrics (excluded from the API schema)."""

    @app.get("/health/live", include_in_schema=False)
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/health/ready", include_in_schema=False)
    async def is_ready() -> Response:
        if await ready():
            return JSONResponse({"status": "ready"})
        return problem(503, "Not ready", "dependencies are not reachable yet", retry_after=5)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(render(registry), media_type=CONTENT_TYPE_LATEST)


class BodyLimit:
    """ASGI middleware: answers 413 for bodies over ``max_bytes`` without reading them whole."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on while counting its body."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        seen, over, started = 0, False, False

        async def counting() -> Message:
            nonlocal seen, over
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                over = True
                raise _TooLarge
            return message

        async def unless_over(message: Message) -> None:
            # The app may catch _TooLarge and answer (FastAPI: 400 "error parsing the body");
            # the 413 below replaces that answer.
            nonlocal started
            if over and not started:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(_TooLarge):
            await self.app(scope, counting, unless_over)
        if over and not started:
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"request body is larger than {self.max_bytes} bytes"
        await problem(413, "Payload too large", detail, max_bytes=self.max_bytes)(scope, receive, send)


class _TooLarge(Exception):
    pass
