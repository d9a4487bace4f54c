"""SQLAlchemy tables of the metrics database (changed only through alembic migrations)."""

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
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
    text,
)

metadata = MetaData()

#: The writing transaction's id: the view reads the rows changed since its last snapshot's xmin.
CHANGED_XID = text("(pg_current_xact_id()::text::bigint)")


def _changed_xid() -> Column[int]:
    return Column("changed_xid", BigInteger, nullable=False, server_default=CHANGED_XID, index=True)


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
    # The staircase of the paid-through month: from steps_paid_on[i] on, paid through
    # steps_paid_through[i]. A past day's paid-through month is the last step on or before it.
    Column("steps_paid_on", ARRAY(Date), nullable=False, server_default="{}"),
    Column("steps_paid_through", ARRAY(Integer), nullable=False, server_default="{}"),
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
    _changed_xid(),
)

#: Targets set over the API; they override the packaged configuration. A deleted target keeps its
#: row with participants and measure NULL, so every instance's view reads the deletion.
targets = Table(
    "targets",
    metadata,
    Column("branch", Text, nullable=False),
    Column("year", Integer, nullable=False),
    Column("participants", Integer),
    Column("measure", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    _changed_xid(),
    PrimaryKeyConstraint("branch", "year"),
    CheckConstraint(
        "(participants IS NULL) = (measure IS NULL)",
        name="targets_deleted_has_neither_participants_nor_measure",
    ),
)

# The count tables. Each row is one Kafka partition's share ("part"), written only by the instance
# folding that partition, so instances never wait on each other's row locks; reads sum the parts.

#: Participants by branch, segment, campaign, registered or not, and paid-through month (-1: never).
coverage_counts = Table(
    "coverage_counts",
    metadata,
    Column("part", Integer, nullable=False),
    Column("branch", Text, nullable=False),
    Column("segment", Text, nullable=False),
    Column("campaign_id", Text, nullable=False),
    Column("registered", Boolean, nullable=False),
    Column("paid_through", Integer, nullable=False),
    Column("n", BigInteger, nullable=False),
    _changed_xid(),
    PrimaryKeyConstraint("branch", "segment", "campaign_id", "registered", "paid_through", "part"),
)

#: Registrations by branch and year of the registration day.
registration_years = Table(
    "registration_years",
    metadata,
    Column("part", Integer, nullable=False),
    Column("branch", Text, nullable=False),
    Column("year", Integer, nullable=False),
    Column("n", BigInteger, nullable=False),
    _changed_xid(),
    PrimaryKeyConstraint("branch", "year", "part"),
)

#: Contributions and rupiah by branch, payer type and campaign.
contribution_totals = Table(
    "contribution_totals",
    metadata,
    Column("part", Integer, nullable=False),
    Column("branch", Text, nullable=False),
    Column("payer_type", Text, nullable=False),
    Column("campaign_id", Text, nullable=False),
    Column("contributions", BigInteger, nullable=False),
    Column("rupiah", BigInteger, nullable=False),
    _changed_xid(),
    PrimaryKeyConstraint("branch", "payer_type", "campaign_id", "part"),
)

#: Registrations and contributions per branch per day (read on request, not followed by the view).
daily_totals = Table(
    "daily_totals",
    metadata,
    Column("day", Date, nullable=False),
    Column("branch", Text, nullable=False),
    Column("part", Integer, nullable=False),
    Column("registrations", BigInteger, nullable=False),
    Column("contributions", BigInteger, nullable=False),
    Column("rupiah", BigInteger, nullable=False),
    PrimaryKeyConstraint("day", "branch", "part"),
)

#: Registered participants by branch, village and paid-through month (-1: never): a branch's
#: villages today without reading its participants (read on request, not followed by the view).
village_counts = Table(
    "village_counts",
    metadata,
    Column("part", Integer, nullable=False),
    Column("branch", Text, nullable=False),
    Column("village_code", Text, nullable=False),
    Column("paid_through", Integer, nullable=False),
    Column("n", BigInteger, nullable=False),
    PrimaryKeyConstraint("branch", "village_code", "paid_through", "part"),
)

#: How many registered participants of a branch reached (+) or left (-) a paid-through month on a
#: day (registration day: the month reached by then, or -1). Summed up to a day, the rows give the
#: branch as it stood that day (read on request, not followed by the view).
standing_moves = Table(
    "standing_moves",
    metadata,
    Column("part", Integer, nullable=False),
    Column("branch", Text, nullable=False),
    Column("day", Date, nullable=False),
    Column("paid_through", Integer, nullable=False),
    Column("n", BigInteger, nullable=False),
    PrimaryKeyConstraint("branch", "day", "paid_through", "part"),
)
