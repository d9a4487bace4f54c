"""Coverage state: paid-through months, contributions, campaigns, targets.

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
    """Add participant state columns and the contributions, campaigns and targets tables."""
    op.add_column("participants", sa.Column("registered", sa.Boolean, nullable=False, server_default="true"))
    op.add_column("participants", sa.Column("campaign_id", sa.Text, nullable=False, server_default=""))
    op.add_column("participants", sa.Column("paid_through", sa.Integer))
    op.add_column("participants", sa.Column("registered_on", sa.Date))
    op.create_table(
        "contributions",
        sa.Column("contribution_id", sa.Uuid, primary_key=True),
        sa.Column("participant_id", sa.Uuid, nullable=False),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("payer_type", sa.Text, nullable=False),
        sa.Column("campaign_id", sa.Text, nullable=False),
        sa.Column("paid_on", sa.Date, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("paid_through", sa.Integer, nullable=False),
    )
    op.create_table(
        "campaigns",
        sa.Column("campaign_id", sa.Text, primary_key=True),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("status_rank", sa.Integer, nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("kind", sa.Text),
        sa.Column("starts_on", sa.Date),
        sa.Column("ends_on", sa.Date),
        sa.Column("target_registrations", sa.Integer),
        sa.Column("target_first_payments", sa.Integer),
        sa.Column("held_from", sa.Date),
        sa.Column("held_to", sa.Date),
        sa.Column("headcount", sa.Integer),
    )
    op.create_table(
        "targets",
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("participants", sa.Integer, nullable=False),
        sa.Column("measure", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("branch", "year"),
    )


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_table("targets")
    op.drop_table("campaigns")
    op.drop_table("contributions")
    for column in ("registered_on", "paid_through", "campaign_id", "registered"):
        op.drop_column("participants", column)
