"""The registration HTTP app: problems, body limit, operational routes and the /v1 API."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from jangkau_registration.bootstrap import Registration, bootstrap
from jangkau_registration.config import RegistrationSettings
from jangkau_registration.domain.errors import DomainError
from jangkau_registration.entrypoints.routes import build_router
from jangkau_registration.entrypoints.translate import error_response
from jangkau_shared.http import (
    BodyLimit,
    document_problems,
    install_operational_routes,
    install_problem_handlers,
)
from jangkau_shared.settings import load_settings

MAX_BODY_BYTES = 2 * 1024 * 1024

DESCRIPTION = """Register informal (BPU) workers and record their contributions.

Every call needs `Authorization: Bearer <team token>`; a token acts for some branches only.
Errors are RFC 9457 problem details (`application/problem+json`) naming the field and value;
a NIK is always masked. Items carry client-generated ids: replays are safe."""


def create_app(registration: Registration | None = None) -> FastAPI:
    """Build the ASGI app around an assembled service (from the environment by default)."""
    reg = registration or bootstrap(load_settings(RegistrationSettings))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await reg.start()
        yield
        await reg.stop()

    app = FastAPI(
        title="Jangkau registration API", version="1.0.0", lifespan=lifespan, description=DESCRIPTION
    )
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    document_problems(app, max_body_bytes=MAX_BODY_BYTES)
    install_problem_handlers(app)
    install_operational_routes(app, reg.registry, reg.ready)

    @app.exception_handler(DomainError)
    async def on_domain_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        return error_response(exc)

    app.include_router(build_router(reg))
    return app
