"""HTTP side of the metrics service: JSON API, /metrics for Prometheus, health."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from jangkau_metrics.bootstrap import Metrics, bootstrap
from jangkau_metrics.config import MetricsSettings
from jangkau_metrics.entrypoints.api import router
from jangkau_shared.http import (
    BodyLimit,
    document_problems,
    install_operational_routes,
    install_problem_handlers,
)
from jangkau_shared.settings import load_settings

#: The only body the API takes is a target (a few bytes); anything large is refused unread.
MAX_BODY_BYTES = 64 * 1024


def create_app(metrics: Metrics | None = None, *, run_consumers: bool = True) -> FastAPI:
    """Build the ASGI app; the Kafka consumers run for the app's lifetime unless told not to."""
    svc = metrics or bootstrap(load_settings(MetricsSettings))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if not run_consumers:
            yield
            return
        await svc.start()
        yield
        await svc.stop()

    app = FastAPI(
        title="Jangkau metrics API",
        version="1.0.0",
        lifespan=lifespan,
        description="Exact, live coverage counts of BPU participants per branch, village, segment and"
        " campaign; daily series; targets. States follow the paid-through month and the date.",
    )
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    document_problems(app, max_body_bytes=MAX_BODY_BYTES)
    install_problem_handlers(app)
    install_operational_routes(app, svc.registry, svc.ready)
    app.include_router(router(svc))
    return app
