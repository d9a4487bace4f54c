"""Logging and Prometheus helpers shared by the services."""

import logging
import sys
import time
from collections.abc import Iterable

import structlog
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from jangkau_shared.settings import ServiceSettings


def configure_logging(service: str, settings: ServiceSettings) -> None:
    """Send structured logs to stderr: JSON lines in production, readable lines locally."""
    level = logging.getLevelNamesMapping().get(settings.log_level.upper(), logging.INFO)
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if settings.log_json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at the time of the write, not at configuration.

    Cached loggers would otherwise keep a stream that a test runner or a CLI harness closed.
    """

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def render(registry: CollectorRegistry) -> bytes:
    """Render a registry in the Prometheus text format."""
    return generate_latest(registry)


class UptimeCollector(Collector):
    """Exposes ``jangkau_service_start_time_seconds`` so dashboards can show restarts."""

    def __init__(self, service: str) -> None:
        self._service = service
        self._started = time.time()

    def collect(self) -> Iterable[Metric]:
        """Yield the start time of this process."""
        family = GaugeMetricFamily(
            "jangkau_service_start_time_seconds",
            "Unix time this service process started.",
            labels=["service"],
        )
        family.add_metric([self._service], self._started)
        yield family
