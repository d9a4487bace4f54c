"""HTTP routes of the campaigns service."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from jangkau_campaigns.bootstrap import Campaigns, bootstrap
from jangkau_campaigns.config import CampaignsSettings
from jangkau_shared.http import install_operational_routes, install_problem_handlers
from jangkau_shared.settings import load_settings


def create_app(campaigns: Campaigns | None = None) -> FastAPI:
    """Build the ASGI app around an assembled service."""
    svc = campaigns or bootstrap(load_settings(CampaignsSettings))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await svc.start()
        yield
        await svc.stop()

    app = FastAPI(
        title="Jangkau campaigns API",
        version="1.0.0",
        lifespan=lifespan,
        description="Plan, hold and score outreach campaigns.",
    )
    install_problem_handlers(app)
    install_operational_routes(app, svc.registry, svc.ready)
    return app
