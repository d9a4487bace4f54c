"""Alembic environment of the metrics database."""

from jangkau_metrics.adapters.tables import metadata
from jangkau_shared.db import run_migrations

run_migrations(metadata)
