"""Contributions, remembered answers per client id, and the paid-through month of participants.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add contributions, client_answers and participants.paid_through."""
    op.add_column("participants", sa.Column("paid_through", sa.Date))
    op.create_table(
        "contributions",
        sa.Column("contribution_id", sa.Uuid, primary_key=True),
        sa.Column(
            "participant_id",
            sa.Uuid,
            sa.ForeignKey("participants.participant_id"),
            nullable=False,
        ),
        sa.Column("first_month", sa.Date, nullable=False),
        sa.Column("months", sa.SmallInteger, nullable=False),
        sa.Column("paid_through", sa.Date, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("payer_type", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("campaign_id", sa.Uuid),
        sa.Column("reactivated", sa.Boolean, nullable=False),
        sa.Column("paid_on", sa.Date, nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_contributions_participant_id", "contributions", ["participant_id"])
    op.create_table(
        "client_answers",
        sa.Column("client_id", sa.Uuid, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.LargeBinary, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("participant_id", sa.Uuid, nullable=False),
        sa.Column("paid_through", sa.Date),
        sa.Column("reactivated", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_table("client_answers")
    op.drop_table("contributions")
    op.drop_column("participants", "paid_through")
