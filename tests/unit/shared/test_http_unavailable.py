"""A database that cannot be reached is a 503 with Retry-After and a problem body, never a 500."""

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from jangkau_shared.http import (
    PROBLEM_JSON,
    RETRY_AFTER_SECONDS,
    database_unavailable,
    install_problem_handlers,
)


class DriverError(Exception):
    """Stands in for the driver's exception, which carries the server's SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"server said {sqlstate}")
        self.sqlstate = sqlstate


def _wrapped(sqlstate: str, *, invalidated: bool = False) -> DBAPIError:
    return DBAPIError("SELECT 1", None, DriverError(sqlstate), connection_invalidated=invalidated)


OUTAGES = {
    "refused": ConnectionRefusedError(111, "Connection refused"),
    "reset": ConnectionResetError(104, "Connection reset by peer"),
    "admin shutdown": _wrapped("57P01"),
    "starting up": _wrapped("57P03"),
    "connection failure": _wrapped("08006"),
    "too many connections": _wrapped("53300"),
    "lost mid-query": _wrapped("XX000", invalidated=True),
    "pool exhausted": PoolTimeout("QueuePool limit reached"),
}
BUGS = {
    "unique violation": IntegrityError("INSERT", None, DriverError("23505")),
    "syntax error": _wrapped("42601"),
    "not a database error": ValueError("a plain bug"),
}


def _app(error: BaseException) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise error

    return app


async def _get(error: BaseException) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app(error), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get("/boom")


@pytest.mark.parametrize("error", OUTAGES.values(), ids=OUTAGES.keys())
async def test_an_unreachable_database_is_answered_503_with_retry_after(error: BaseException) -> None:
    answer = await _get(error)
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert answer.headers["content-type"] == PROBLEM_JSON
    body = answer.json()
    assert body["status"] == 503
    assert body["retry_after"] == RETRY_AFTER_SECONDS
    assert "Traceback" not in answer.text
    assert "SELECT" not in answer.text, "the statement is not shown to the client"


@pytest.mark.parametrize("error", BUGS.values(), ids=BUGS.keys())
async def test_other_errors_stay_500_without_a_stack_trace(error: BaseException) -> None:
    assert not database_unavailable(error)
    answer = await _get(error)
    assert answer.status_code == 500
    assert "retry-after" not in answer.headers
    assert "Traceback" not in answer.text
