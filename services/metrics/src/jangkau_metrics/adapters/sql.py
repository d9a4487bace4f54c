"""PostgreSQL store of applied effects; idempotent by the entity's own id."""

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from jangkau_metrics.adapters.tables import participants
from jangkau_metrics.domain.coverage import Enrolment


class SqlCoverageStore:
    """Applies effects with ON CONFLICT DO NOTHING so a redelivered event changes nothing."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def apply_enrolments(self, enrolments: Sequence[Enrolment]) -> list[str]:
        """Insert unseen participants in one transaction; return the branches of those inserted."""
        if not enrolments:
            return []
        rows = [
            {
                "participant_id": e.participant_id,
                "branch": e.branch,
                "village_code": e.village_code,
                "segment": e.segment,
            }
            for e in enrolments
        ]
        query = insert(participants).values(rows).on_conflict_do_nothing().returning(participants.c.branch)
        async with self._engine.begin() as conn:
            return list((await conn.execute(query)).scalars())

    async def registered_by_branch(self) -> dict[str, int]:
        """Count participants per branch."""
        query = select(participants.c.branch, func.count()).group_by(participants.c.branch)
        async with self._engine.connect() as conn:
            return {branch: int(n) for branch, n in (await conn.execute(query)).all()}
