"""Domain errors and HTTP exceptions answered as RFC 9457 problems naming field and value."""

from fastapi import FastAPI, Request, Response
from starlette.exceptions import HTTPException

from jangkau_campaigns.domain.errors import (
    CampaignExists,
    CampaignNotFound,
    InvalidField,
    InvalidFields,
    InvalidTransition,
    OutOfScope,
)
from jangkau_campaigns.entrypoints.schemas import Problem
from jangkau_shared.http import problem

_TITLES = {401: "Unauthorized", 403: "Forbidden", 404: "Not found", 409: "Conflict", 422: "Invalid request"}

#: OpenAPI description of the problems the routes answer with.
PROBLEMS: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "No or unknown bearer token."},
    403: {"model": Problem, "description": "The token may not act for this branch."},
    404: {"model": Problem, "description": "No such campaign visible to this token."},
    409: {"model": Problem, "description": "The campaign's status does not allow this step."},
    422: {"model": Problem, "description": "A field breaks a rule; errors name field and value."},
}


def install_domain_problems(app: FastAPI) -> None:
    """Map domain errors and HTTP exceptions to problem responses."""

    async def on_http(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        title = _TITLES.get(exc.status_code, "Error")
        response = problem(exc.status_code, title, str(exc.detail))
        response.headers.update(exc.headers or {})
        return response

    async def on_invalid(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, InvalidField)
        error = {"field": exc.field, "value": exc.value, "reason": exc.reason}
        return problem(422, "Invalid request", str(exc), errors=[error])

    async def on_invalid_fields(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, InvalidFields)
        errors = [{"field": e.field, "value": e.value, "reason": e.reason} for e in exc.errors]
        return problem(422, "Invalid request", str(exc), errors=errors)

    async def on_transition(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, InvalidTransition)
        error = {"field": "status", "value": exc.status, "reason": exc.reason}
        return problem(409, "Conflict", str(exc), errors=[error])

    async def on_exists(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, CampaignExists)
        error = {"field": "campaign_id", "value": str(exc.campaign_id), "reason": "already exists"}
        return problem(409, "Conflict", str(exc), errors=[error])

    async def on_not_found(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, CampaignNotFound)
        return problem(404, "Not found", str(exc))

    async def on_scope(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, OutOfScope)
        error = {"field": "branch", "value": exc.branch, "reason": "outside this token's branches"}
        return problem(403, "Forbidden", str(exc), errors=[error])

    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(InvalidField, on_invalid)
    app.add_exception_handler(InvalidFields, on_invalid_fields)
    app.add_exception_handler(InvalidTransition, on_transition)
    app.add_exception_handler(CampaignExists, on_exists)
    app.add_exception_handler(CampaignNotFound, on_not_found)
    app.add_exception_handler(OutOfScope, on_scope)
