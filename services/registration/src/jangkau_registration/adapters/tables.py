"""SQLAlchemy tables of the registration database (changed only through alembic migrations)."""

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Column,
    Date,
    DateTime,
    LargeBinary,
    MetaData,
    Table,
    Text,
    Uuid,
    func,
)

from jangkau_shared.outbox import outbox_table

metadata = MetaData()

participants = Table(
    "participants",
    metadata,
    Column("participant_id", Uuid, primary_key=True),
    Column("nik_hash", LargeBinary, nullable=False, unique=True),
    Column("nik_cipher", LargeBinary, nullable=False),
    Column("name_cipher", LargeBinary, nullable=False),
    Column("branch", Text, nullable=False, index=True),
    Column("village_code", Text, nullable=False),
    Column("segment", Text, nullable=False),
    Column("programmes", ARRAY(Text), nullable=False),
    Column("income_bracket", BigInteger, nullable=False),
    Column("channel", Text, nullable=False),
    Column("campaign_id", Uuid),
    Column("registered_on", Date, nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

outbox = outbox_table(metadata)
