"""Count tables for a branch's villages today and for a branch on any past day.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

Both were answered from the branch's participants, a cost that grows with the branch; these rows
grow with its villages and days instead. The DDL and the backfill are written out here (not
imported from the live tables) so that this migration stays what it was. Existing participants
are backfilled into partition 0's share, as 0003 did.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the village and standing-move count tables, then fill them from the participants."""
    op.create_table(
        "village_counts",
        sa.Column("part", sa.Integer, nullable=False),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("village_code", sa.Text, nullable=False),
        sa.Column("paid_through", sa.Integer, nullable=False),
        sa.Column("n", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("branch", "village_code", "paid_through", "part"),
    )
    op.create_table(
        "standing_moves",
        sa.Column("part", sa.Integer, nullable=False),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("paid_through", sa.Integer, nullable=False),
        sa.Column("n", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("branch", "day", "paid_through", "part"),
    )
    op.execute(
        """
        INSERT INTO village_counts (part, branch, village_code, paid_through, n)
        SELECT 0, branch, village_code, coalesce(paid_through, -1), count(*)
        FROM participants WHERE registered GROUP BY 2, 3, 4
        """
    )
    # Each participant enters the month reached by its registration day on that day, and on each
    # later step leaves the previous step's month (-1 before the first) for the step's month.
    op.execute(
        """
        INSERT INTO standing_moves (part, branch, day, paid_through, n)
        SELECT 0, branch, day, month, sum(n) FROM (
            SELECT branch, registered_on AS day, 1 AS n, coalesce(
                (SELECT max(s.m) FROM unnest(steps_paid_on, steps_paid_through) AS s(d, m)
                 WHERE s.d <= registered_on), -1) AS month
            FROM participants WHERE registered AND registered_on IS NOT NULL
            UNION ALL
            SELECT p.branch, s.d, e.n, CASE WHEN e.n > 0 THEN s.m
                                            ELSE coalesce(p.steps_paid_through[s.i - 1], -1) END
            FROM participants AS p,
                 unnest(p.steps_paid_on, p.steps_paid_through) WITH ORDINALITY AS s(d, m, i),
                 (VALUES (1), (-1)) AS e(n)
            WHERE p.registered AND p.registered_on IS NOT NULL AND s.d > p.registered_on
        ) AS moves
        GROUP BY 2, 3, 4 HAVING sum(n) <> 0
        """
    )


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_table("standing_moves")
    op.drop_table("village_counts")
