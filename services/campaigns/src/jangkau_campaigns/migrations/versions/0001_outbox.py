"""The outbox.

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
    """Create the outbox (version 1 of the shared shape)."""
    outbox_table(sa.MetaData()).create(op.get_bind())


def downgrade() -> None:
    """Drop the outbox."""
    op.drop_table("outbox")
