"""Team bearer tokens (stored hashed), scoped to branches.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from jangkau_shared.auth import tokens_table

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create api_tokens in the shared shape."""
    tokens_table(sa.MetaData()).create(op.get_bind())


def downgrade() -> None:
    """Drop api_tokens."""
    op.drop_table("api_tokens")
