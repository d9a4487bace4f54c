"""SQLAlchemy tables of the metrics database (changed only through alembic migrations)."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
    func,
)

metadata = MetaData()

#: One row per participant seen (registered, or paid for before its registration arrived).
participants = Table(
    "participants",
    metadata,
    Column("participant_id", Uuid, primary_key=True),
    Column("branch", Text, nullable=False, index=True),
    Column("village_code", Text, nullable=False),
    Column("segment", Text, nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("registered", Boolean, nullable=False, server_default="true"),
    Column("campaign_id", Text, nullable=False, server_default=""),
    Column("paid_through", Integer),
    Column("registered_on", Date),
)

#: One row per contribution applied: its id makes a redelivered payment change nothing.
contributions = Table(
    "contributions",
    metadata,
    Column("contribution_id", Uuid, primary_key=True),
    Column("participant_id", Uuid, nullable=False),
    Column("branch", Text, nullable=False),
    Column("payer_type", Text, nullable=False),
    Column("campaign_id", Text, nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("paid_through", Integer, nullable=False),
)

#: One row per campaign, merged from its planned, held and closed events.
campaigns = Table(
    "campaigns",
    metadata,
    Column("campaign_id", Text, primary_key=True),
    Column("branch", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("status_rank", Integer, nullable=False),
    Column("name", Text),
    Column("kind", Text),
    Column("starts_on", Date),
    Column("ends_on", Date),
    Column("target_registrations", Integer),
    Column("target_first_payments", Integer),
    Column("held_from", Date),
    Column("held_to", Date),
    Column("headcount", Integer),
)

#: Targets set over the API; they override the packaged configuration.
targets = Table(
    "targets",
    metadata,
    Column("branch", Text, nullable=False),
    Column("year", Integer, nullable=False),
    Column("participants", Integer, nullable=False),
    Column("measure", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("branch", "year"),
)
