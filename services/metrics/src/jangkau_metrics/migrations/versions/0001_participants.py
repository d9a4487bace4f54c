"""Participants seen by the metrics service.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create participants."""
    op.create_table(
        "participants",
        sa.Column("participant_id", sa.Uuid, primary_key=True),
        sa.Column("branch", sa.Text, nullable=False, index=True),
        sa.Column("village_code", sa.Text, nullable=False),
        sa.Column("segment", sa.Text, nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    """Drop participants."""
    op.drop_table("participants")
