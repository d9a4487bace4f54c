"""HTTP routes of the registration service: a typed contract in, a use case, a response out."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from jangkau_registration import service
from jangkau_registration.bootstrap import Registration, bootstrap
from jangkau_registration.config import RegistrationSettings
from jangkau_registration.domain.errors import InvalidField
from jangkau_registration.domain.nik import Nik
from jangkau_registration.domain.participants import RegisterWorker
from jangkau_registration.entrypoints.schemas import RegistrationIn, RegistrationOut
from jangkau_shared.http import (
    BodyLimit,
    install_operational_routes,
    install_problem_handlers,
    problem,
)
from jangkau_shared.settings import load_settings

MAX_BODY_BYTES = 2 * 1024 * 1024


def _command(body: RegistrationIn) -> RegisterWorker:
    return RegisterWorker(
        client_id=body.client_id,
        nik=Nik.parse(body.nik),
        name=body.name,
        branch=body.branch,
        village_code=body.village_code,
        segment=body.segment,
        programmes=frozenset(body.programmes),
        income_bracket=body.income_bracket,
        channel=body.channel,
        registered_on=body.registered_on,
        campaign_id=body.campaign_id,
    )


def create_app(registration: Registration | None = None) -> FastAPI:
    """Build the ASGI app around an assembled service (from the environment by default)."""
    reg = registration or bootstrap(load_settings(RegistrationSettings))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await reg.start()
        yield
        await reg.stop()

    app = FastAPI(
        title="Jangkau registration API",
        version="1.0.0",
        lifespan=lifespan,
        description="Register informal (BPU) workers and record their contributions.",
    )
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    install_problem_handlers(app)
    install_operational_routes(app, reg.registry, reg.ready)

    @app.exception_handler(InvalidField)
    async def on_invalid(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, InvalidField)
        error = {"field": exc.field, "value": exc.value, "reason": exc.reason}
        return problem(422, "Invalid request", str(exc), errors=[error])

    @app.post("/v1/registrations", status_code=201, response_model=RegistrationOut)
    async def register(body: RegistrationIn, response: Response) -> RegistrationOut:
        """Register one worker; a NIK already registered answers 409 with its participant id."""
        result = await service.register_worker(_command(body), uow=reg.uow(), now=reg.now)
        if isinstance(result, service.AlreadyRegistered):
            response.status_code = 409
            return RegistrationOut(status="already_registered", participant_id=result.participant_id)
        reg.relay.wake()
        return RegistrationOut(status="created", participant_id=result.participant_id)

    return app
