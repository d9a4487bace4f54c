"""Deleted targets: a row without participants and measure, so every view learns of the deletion.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

Each metrics instance follows the targets table by the rows changed since its last read; a row
deleted outright would never be read, and the target would stay served (and on /metrics) until
the instance restarts. A deletion therefore keeps the row, with participants and measure NULL and
a new change id. Downgrading removes those rows: the older code cannot read them.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINT = "targets_deleted_has_neither_participants_nor_measure"


def upgrade() -> None:
    """Let participants and measure be NULL together: the mark of a deleted target."""
    op.alter_column("targets", "participants", nullable=True)
    op.alter_column("targets", "measure", nullable=True)
    op.create_check_constraint(CONSTRAINT, "targets", "(participants IS NULL) = (measure IS NULL)")


def downgrade() -> None:
    """Forget deleted targets and require participants and measure again."""
    op.drop_constraint(CONSTRAINT, "targets", type_="check")
    op.execute("DELETE FROM targets WHERE participants IS NULL")
    op.alter_column("targets", "measure", nullable=False)
    op.alter_column("targets", "participants", nullable=False)
