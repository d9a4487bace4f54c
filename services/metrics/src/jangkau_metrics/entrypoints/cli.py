"""Command line of the metrics service: serve, migrate."""

from jangkau_metrics.bootstrap import MIGRATIONS
from jangkau_metrics.config import MetricsSettings
from jangkau_shared.cli import service_cli, settings_loader

settings = settings_loader("metrics", MetricsSettings)
app = service_cli(
    service="metrics",
    settings=settings,
    migrations=MIGRATIONS,
    default_port=8103,
    app_factory="jangkau_metrics.entrypoints.http:create_app",
)
