"""Alembic environment of the registration database."""

from jangkau_registration.adapters.tables import metadata
from jangkau_shared.db import run_migrations

run_migrations(metadata)
