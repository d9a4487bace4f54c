"""Campaigns, attributed registrations and payments, parked events.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _campaigns() -> None:
    op.create_table(
        "campaigns",
        sa.Column("campaign_id", sa.Uuid, primary_key=True),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("village_codes", sa.ARRAY(sa.Text), nullable=False),
        sa.Column("place", sa.Text, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("partners", sa.ARRAY(sa.Text), nullable=False),
        sa.Column("target_registrations", sa.Integer, nullable=False),
        sa.Column("target_first_payments", sa.Integer, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("held_from", sa.Date),
        sa.Column("held_to", sa.Date),
        sa.Column("headcount", sa.Integer),
        sa.Column("notes", sa.Text),
        sa.Column("held_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("ends_on >= starts_on", name="campaigns_period_ck"),
        sa.CheckConstraint("status IN ('planned','held','closed','cancelled')", name="campaigns_status_ck"),
    )
    op.create_index("campaigns_branch_starts_idx", "campaigns", ["branch", "starts_on"])


def _attribution() -> None:
    op.create_table(
        "registrations",
        sa.Column("participant_id", sa.Uuid, primary_key=True),
        sa.Column("campaign_id", sa.Uuid, nullable=False, index=True),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("village_code", sa.Text, nullable=False),
        sa.Column("segment", sa.Text, nullable=False),
        sa.Column("registered_on", sa.Date, nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "payments",
        sa.Column("contribution_id", sa.Uuid, primary_key=True),
        sa.Column("participant_id", sa.Uuid, nullable=False, index=True),
        sa.Column("campaign_id", sa.Uuid, index=True),
        sa.Column("first_month", sa.Date, nullable=False),
        sa.Column("months", sa.Integer, nullable=False),
        sa.Column("paid_through", sa.Date, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("payer_type", sa.Text, nullable=False),
        sa.Column("paid_on", sa.Date, nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def _parked() -> None:
    op.create_table(
        "parked_events",
        sa.Column("entity_key", sa.Text, primary_key=True),
        sa.Column("campaign_id", sa.Uuid, nullable=False, index=True),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("record_key", sa.LargeBinary),
        sa.Column("value", sa.LargeBinary, nullable=False),
        sa.Column("headers", JSONB, nullable=False),
        sa.Column(
            "parked_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now(), index=True
        ),
    )


def upgrade() -> None:
    """Create the campaign, attribution and parking tables."""
    _campaigns()
    _attribution()
    _parked()


def downgrade() -> None:
    """Drop them."""
    for table in ("parked_events", "payments", "registrations", "campaigns"):
        op.drop_table(table)
