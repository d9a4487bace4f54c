"""SQLAlchemy tables of the metrics database (changed only through alembic migrations)."""

from sqlalchemy import Column, DateTime, MetaData, Table, Text, Uuid, func

metadata = MetaData()

participants = Table(
    "participants",
    metadata,
    Column("participant_id", Uuid, primary_key=True),
    Column("branch", Text, nullable=False, index=True),
    Column("village_code", Text, nullable=False),
    Column("segment", Text, nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
