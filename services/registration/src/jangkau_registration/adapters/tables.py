"""SQLAlchemy tables of the registration database (changed only through alembic migrations)."""

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    LargeBinary,
    MetaData,
    SmallInteger,
    Table,
    Text,
    Uuid,
    func,
)

from jangkau_shared.auth import tokens_table
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
    Column("paid_through", Date),
)

contributions = Table(
    "contributions",
    metadata,
    Column("contribution_id", Uuid, primary_key=True),
    Column("participant_id", Uuid, ForeignKey("participants.participant_id"), nullable=False, index=True),
    Column("first_month", Date, nullable=False),
    Column("months", SmallInteger, nullable=False),
    Column("paid_through", Date, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("payer_type", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("campaign_id", Uuid),
    Column("reactivated", Boolean, nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("paid_at", DateTime(timezone=True), nullable=False),
)

client_answers = Table(
    "client_answers",
    metadata,
    Column("client_id", Uuid, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("fingerprint", LargeBinary, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("participant_id", Uuid, nullable=False),
    Column("paid_through", Date),
    Column("reactivated", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

outbox = outbox_table(metadata)
api_tokens = tokens_table(metadata)
