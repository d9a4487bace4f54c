"""SQLAlchemy tables of the campaigns database (changed only through alembic migrations)."""

from sqlalchemy import MetaData

from jangkau_shared.outbox import outbox_table

metadata = MetaData()
outbox = outbox_table(metadata)
