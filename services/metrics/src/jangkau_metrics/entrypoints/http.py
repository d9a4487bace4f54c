"""HTTP side of the metrics service: /metrics for Prometheus, health."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from jangkau_metrics.bootstrap import Metrics, bootstrap
from jangkau_metrics.config import MetricsSettings
from jangkau_shared.http import install_operational_routes, install_problem_handlers
from jangkau_shared.settings import load_settings


def create_app(metrics: Metrics | None = None) -> FastAPI:
    """Build the ASGI app; the Kafka consumers run for the app's lifetime."""
    svc = metrics or bootstrap(load_settings(MetricsSettings))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await svc.start()
        yield
        await svc.stop()

    app = FastAPI(
        title="Jangkau metrics API",
        version="1.0.0",
        lifespan=lifespan,
        description="Exact, live coverage counts of BPU participants per branch.",
    )
    install_problem_handlers(app)
    install_operational_routes(app, svc.registry, svc.ready)
    return app
