"""Command line of the campaigns service: serve, migrate."""

from jangkau_campaigns.bootstrap import MIGRATIONS
from jangkau_campaigns.config import CampaignsSettings
from jangkau_shared.cli import service_cli, settings_loader

settings = settings_loader("campaigns", CampaignsSettings)
app = service_cli(
    service="campaigns",
    settings=settings,
    migrations=MIGRATIONS,
    default_port=8102,
    app_factory="jangkau_campaigns.entrypoints.http:create_app",
)
