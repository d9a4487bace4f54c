"""SQLAlchemy tables of the campaigns database (changed only through alembic migrations)."""

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from jangkau_shared.auth import tokens_table
from jangkau_shared.outbox import outbox_table

metadata = MetaData()
outbox = outbox_table(metadata)
api_tokens = tokens_table(metadata)

campaigns = Table(
    "campaigns",
    metadata,
    Column("campaign_id", Uuid, primary_key=True),
    Column("branch", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("village_codes", ARRAY(Text), nullable=False),
    Column("place", Text, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("partners", ARRAY(Text), nullable=False),
    Column("target_registrations", Integer, nullable=False),
    Column("target_first_payments", Integer, nullable=False),
    Column("status", Text, nullable=False),
    Column("planned_at", DateTime(timezone=True), nullable=False),
    Column("held_from", Date),
    Column("held_to", Date),
    Column("headcount", Integer),
    Column("notes", Text),
    Column("held_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Index("campaigns_branch_starts_idx", "branch", "starts_on"),
)

#: Participants registered through a campaign; one row per participant, first event wins.
registrations = Table(
    "registrations",
    metadata,
    Column("participant_id", Uuid, primary_key=True),
    Column("campaign_id", Uuid, nullable=False, index=True),
    Column("branch", Text, nullable=False),
    Column("village_code", Text, nullable=False),
    Column("segment", Text, nullable=False),
    Column("registered_on", Date, nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

#: Every contribution seen; months are stored as their first day.
payments = Table(
    "payments",
    metadata,
    Column("contribution_id", Uuid, primary_key=True),
    Column("participant_id", Uuid, nullable=False, index=True),
    Column("campaign_id", Uuid, index=True),
    Column("first_month", Date, nullable=False),
    Column("months", Integer, nullable=False),
    Column("paid_through", Date, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("payer_type", Text, nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

#: Events naming a campaign not known yet, kept as received so they can be dead-lettered unchanged.
parked_events = Table(
    "parked_events",
    metadata,
    Column("entity_key", Text, primary_key=True),
    Column("campaign_id", Uuid, nullable=False, index=True),
    Column("topic", Text, nullable=False),
    Column("partition", Integer, nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("record_key", LargeBinary),
    Column("value", LargeBinary, nullable=False),
    Column("headers", JSONB, nullable=False),
    Column("parked_at", DateTime(timezone=True), nullable=False, server_default=func.now(), index=True),
)
