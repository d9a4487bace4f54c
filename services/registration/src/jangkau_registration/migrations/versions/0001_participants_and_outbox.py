"""Participants and the outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from jangkau_shared.outbox import outbox_table

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create participants and outbox."""
    op.create_table(
        "participants",
        sa.Column("participant_id", sa.Uuid, primary_key=True),
        sa.Column("nik_hash", sa.LargeBinary, nullable=False, unique=True),
        sa.Column("nik_cipher", sa.LargeBinary, nullable=False),
        sa.Column("name_cipher", sa.LargeBinary, nullable=False),
        sa.Column("branch", sa.Text, nullable=False, index=True),
        sa.Column("village_code", sa.Text, nullable=False),
        sa.Column("segment", sa.Text, nullable=False),
        sa.Column("programmes", sa.ARRAY(sa.Text), nullable=False),
        sa.Column("income_bracket", sa.BigInteger, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("campaign_id", sa.Uuid),
        sa.Column("registered_on", sa.Date, nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    # Version 1 of the shared outbox shape, identical in every service that publishes.
    outbox_table(sa.MetaData()).create(op.get_bind())


def downgrade() -> None:
    """Drop participants and outbox."""
    op.drop_table("outbox")
    op.drop_table("participants")
