"""Alembic environment of the campaigns database."""

from jangkau_campaigns.adapters.tables import metadata
from jangkau_shared.db import run_migrations

run_migrations(metadata)
