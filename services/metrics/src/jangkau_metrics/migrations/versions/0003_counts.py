"""Counts in the database: per-partition count tables, payment staircases, change ids for the view.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

The DDL is written out here (not imported from the live tables) so that this migration stays what
it was whatever the tables become. Existing rows are backfilled into partition 0's share.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

XID = sa.text("(pg_current_xact_id()::text::bigint)")
COUNT_TABLES = ("coverage_counts", "registration_years", "contribution_totals")


def _xid() -> sa.Column[int]:
    return sa.Column("changed_xid", sa.BigInteger, nullable=False, server_default=XID)


def upgrade() -> None:
    """Add the staircase columns and the count tables, then fill them from the stored rows."""
    op.add_column(
        "participants",
        sa.Column("steps_paid_on", postgresql.ARRAY(sa.Date), nullable=False, server_default="{}"),
    )
    op.add_column(
        "participants",
        sa.Column("steps_paid_through", postgresql.ARRAY(sa.Integer), nullable=False, server_default="{}"),
    )
    for table in ("campaigns", "targets"):
        op.add_column(table, _xid())
    op.create_table(
        "coverage_counts",
        sa.Column("part", sa.Integer, nullable=False),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("segment", sa.Text, nullable=False),
        sa.Column("campaign_id", sa.Text, nullable=False),
        sa.Column("registered", sa.Boolean, nullable=False),
        sa.Column("paid_through", sa.Integer, nullable=False),
        sa.Column("n", sa.BigInteger, nullable=False),
        _xid(),
        sa.PrimaryKeyConstraint("branch", "segment", "campaign_id", "registered", "paid_through", "part"),
    )
    op.create_table(
        "registration_years",
        sa.Column("part", sa.Integer, nullable=False),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("n", sa.BigInteger, nullable=False),
        _xid(),
        sa.PrimaryKeyConstraint("branch", "year", "part"),
    )
    op.create_table(
        "contribution_totals",
        sa.Column("part", sa.Integer, nullable=False),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("payer_type", sa.Text, nullable=False),
        sa.Column("campaign_id", sa.Text, nullable=False),
        sa.Column("contributions", sa.BigInteger, nullable=False),
        sa.Column("rupiah", sa.BigInteger, nullable=False),
        _xid(),
        sa.PrimaryKeyConstraint("branch", "payer_type", "campaign_id", "part"),
    )
    op.create_table(
        "daily_totals",
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("part", sa.Integer, nullable=False),
        sa.Column("registrations", sa.BigInteger, nullable=False),
        sa.Column("contributions", sa.BigInteger, nullable=False),
        sa.Column("rupiah", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("day", "branch", "part"),
    )
    for table in (*COUNT_TABLES, "campaigns", "targets"):
        op.create_index(f"ix_{table}_changed_xid", table, ["changed_xid"])
    _backfill()


def _backfill() -> None:
    op.execute(
        """
        WITH by_day AS (
            SELECT participant_id, paid_on, max(paid_through) AS month
            FROM contributions GROUP BY participant_id, paid_on
        ), rises AS (
            SELECT participant_id, paid_on, month,
                   max(month) OVER (PARTITION BY participant_id ORDER BY paid_on
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
            FROM by_day
        ), steps AS (
            SELECT participant_id, array_agg(paid_on ORDER BY paid_on) AS days,
                   array_agg(month ORDER BY paid_on) AS months
            FROM rises WHERE before IS NULL OR month > before GROUP BY participant_id
        )
        UPDATE participants AS p SET steps_paid_on = s.days, steps_paid_through = s.months
        FROM steps AS s WHERE p.participant_id = s.participant_id
        """
    )
    op.execute(
        """
        INSERT INTO coverage_counts (part, branch, segment, campaign_id, registered, paid_through, n)
        SELECT 0, branch, segment, campaign_id, registered, coalesce(paid_through, -1), count(*)
        FROM participants GROUP BY 2, 3, 4, 5, 6
        """
    )
    op.execute(
        """
        INSERT INTO registration_years (part, branch, year, n)
        SELECT 0, branch, extract(year FROM registered_on)::int, count(*)
        FROM participants WHERE registered AND registered_on IS NOT NULL GROUP BY 2, 3
        """
    )
    op.execute(
        """
        INSERT INTO contribution_totals (part, branch, payer_type, campaign_id, contributions, rupiah)
        SELECT 0, branch, payer_type, campaign_id, count(*), sum(amount) FROM contributions GROUP BY 2, 3, 4
        """
    )
    op.execute(
        """
        INSERT INTO daily_totals (day, branch, part, registrations, contributions, rupiah)
        SELECT day, branch, 0, coalesce(r.n, 0), coalesce(c.n, 0), coalesce(c.rupiah, 0)
        FROM (SELECT registered_on AS day, branch, count(*) AS n FROM participants
              WHERE registered AND registered_on IS NOT NULL GROUP BY 1, 2) AS r
        FULL JOIN (SELECT paid_on AS day, branch, count(*) AS n, sum(amount) AS rupiah
                   FROM contributions GROUP BY 1, 2) AS c USING (day, branch)
        """
    )


def downgrade() -> None:
    """Drop what upgrade added."""
    for table in ("daily_totals", *COUNT_TABLES):
        op.drop_table(table)
    for table in ("campaigns", "targets"):
        op.drop_index(f"ix_{table}_changed_xid", table_name=table)
        op.drop_column(table, "changed_xid")
    op.drop_column("participants", "steps_paid_through")
    op.drop_column("participants", "steps_paid_on")
