"""SQL repositories of one transaction: participants, contributions, remembered answers."""

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Executable, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from jangkau_registration.adapters.pii import PersonalDataVault
from jangkau_registration.adapters.tables import client_answers, contributions, participants
from jangkau_registration.domain.contributions import Contribution
from jangkau_registration.domain.months import Month
from jangkau_registration.domain.nik import Nik
from jangkau_registration.domain.outcomes import Answer, Outcome, StoredAnswer
from jangkau_registration.domain.participants import Participant, ParticipantRecord
from jangkau_registration.ports import DuplicateClientId, LostRace
from jangkau_shared.events import Channel, Programme, Segment

#: SQLSTATE of a deadlock: the transaction was rolled back and may simply run again.
DEADLOCK = "40P01"


def _month(value: Any) -> Month | None:
    return Month.of(value) if value is not None else None


async def _many(
    conn: AsyncConnection, statement: Executable, rows: list[dict[str, Any]]
) -> CursorResult[Any]:
    """Insert many rows in one round trip per page; a deadlock becomes LostRace."""
    try:
        return await conn.execute(statement, rows)
    except DBAPIError as err:
        if getattr(err.orig, "sqlstate", None) == DEADLOCK:
            raise LostRace() from err
        raise


class SqlParticipantRepository:
    """Participants in PostgreSQL; personal fields sealed by the vault."""

    def __init__(self, conn: AsyncConnection, vault: PersonalDataVault) -> None:
        self._conn, self._vault = conn, vault

    def _row(self, participant: Participant) -> dict[str, Any]:
        return {
            "participant_id": participant.participant_id,
            "nik_hash": self._vault.lookup_hash(participant.nik.value),
            "nik_cipher": self._vault.seal(participant.nik.value, context=b"nik"),
            "name_cipher": self._vault.seal(participant.name, context=b"name"),
            "branch": participant.branch,
            "village_code": participant.village_code,
            "segment": participant.segment.value,
            "programmes": sorted(p.value for p in participant.programmes),
            "income_bracket": participant.income_bracket,
            "channel": participant.channel.value,
            "campaign_id": participant.campaign_id,
            "registered_on": participant.registered_on,
            "registered_at": participant.registered_at,
        }

    async def add_new(self, people: Sequence[Participant]) -> set[UUID]:
        """Insert participants in one statement; a NIK hash already taken (even by a concurrent
        transaction, once it commits) skips that row. Rows go in NIK-hash order, so that two
        concurrent batches take the unique-index locks in one order and do not deadlock."""
        if not people:
            return set()
        rows = sorted((self._row(p) for p in people), key=lambda row: row["nik_hash"])
        statement = (
            pg_insert(participants)
            .on_conflict_do_nothing(index_elements=[participants.c.nik_hash])
            .returning(participants.c.participant_id)
        )
        return set((await _many(self._conn, statement, rows)).scalars())

    async def ids_for_niks(self, niks: Sequence[Nik]) -> dict[str, UUID]:
        """Find participant ids by the keyed hashes of NIKs, in one query."""
        if not niks:
            return {}
        by_hash = {self._vault.lookup_hash(nik.value): nik.value for nik in niks}
        query = select(participants.c.nik_hash, participants.c.participant_id).where(
            participants.c.nik_hash.in_(list(by_hash))
        )
        rows = (await self._conn.execute(query)).all()
        return {by_hash[row.nik_hash]: row.participant_id for row in rows}

    async def get(self, participant_id: UUID, *, for_update: bool = False) -> ParticipantRecord | None:
        """Return a participant without personal data (row-locked when ``for_update``)."""
        c = participants.c
        query = select(
            c.participant_id, c.branch, c.village_code, c.segment, c.programmes, c.income_bracket,
            c.channel, c.registered_on, c.paid_through, c.campaign_id,
        ).where(c.participant_id == participant_id)  # fmt: skip
        row = (await self._conn.execute(query.with_for_update() if for_update else query)).one_or_none()
        if row is None:
            return None
        return ParticipantRecord(
            participant_id=row.participant_id,
            branch=row.branch,
            village_code=row.village_code,
            segment=Segment(row.segment),
            programmes=frozenset(Programme(p) for p in row.programmes),
            income_bracket=row.income_bracket,
            channel=Channel(row.channel),
            registered_on=row.registered_on,
            paid_through=_month(row.paid_through),
            campaign_id=row.campaign_id,
        )

    async def set_paid_through(self, participant_id: UUID, month: Month) -> None:
        """Record the month a participant is now paid through."""
        query = update(participants).where(participants.c.participant_id == participant_id)
        await self._conn.execute(query.values(paid_through=month.first_day()))


class SqlContributionRepository:
    """Accepted contributions in PostgreSQL."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, contribution: Contribution) -> None:
        """Insert an accepted contribution."""
        cmd = contribution.cmd
        row = {
            "contribution_id": cmd.contribution_id,
            "participant_id": cmd.participant_id,
            "first_month": cmd.first_month.first_day(),
            "months": cmd.months,
            "paid_through": contribution.paid_through.first_day(),
            "amount": cmd.amount,
            "payer_type": cmd.payer_type.value,
            "channel": cmd.channel.value,
            "campaign_id": cmd.campaign_id,
            "reactivated": contribution.reactivated,
            "paid_on": cmd.paid_on,
            "paid_at": contribution.paid_at,
        }
        await self._conn.execute(insert(contributions).values(row))

    async def paid_through_on(self, participant_id: UUID, day: date) -> Month | None:
        """The largest paid-through month of the participant's contributions paid by ``day``."""
        c = contributions.c
        query = select(func.max(c.paid_through)).where(c.participant_id == participant_id, c.paid_on <= day)
        return _month((await self._conn.execute(query)).scalar())


class SqlAnswerBook:
    """Answers per client id in PostgreSQL; the primary key settles races."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, client_id: UUID) -> StoredAnswer | None:
        """Return the answer given to ``client_id``, if any."""
        query = select(client_answers).where(client_answers.c.client_id == client_id)
        row = (await self._conn.execute(query)).one_or_none()
        return _stored(row) if row is not None else None

    async def put(self, stored: StoredAnswer) -> None:
        """Remember an answer; raise DuplicateClientId when the id is taken."""
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(insert(client_answers).values(_answer_row(stored)))
        except IntegrityError as err:
            raise DuplicateClientId() from err

    async def get_many(self, client_ids: Sequence[UUID]) -> dict[UUID, StoredAnswer]:
        """Return the answers given to any of ``client_ids``, in one query."""
        if not client_ids:
            return {}
        query = select(client_answers).where(client_answers.c.client_id.in_(list(set(client_ids))))
        return {row.client_id: _stored(row) for row in await self._conn.execute(query)}

    async def put_new(self, answers: Sequence[StoredAnswer]) -> set[UUID]:
        """Remember answers in one statement, in client-id order; an id already taken skips its row."""
        if not answers:
            return set()
        rows = sorted((_answer_row(a) for a in answers), key=lambda row: row["client_id"])
        statement = (
            pg_insert(client_answers)
            .on_conflict_do_nothing(index_elements=[client_answers.c.client_id])
            .returning(client_answers.c.client_id)
        )
        return set((await _many(self._conn, statement, rows)).scalars())


def _answer_row(stored: StoredAnswer) -> dict[str, Any]:
    answer = stored.answer
    return {
        "client_id": stored.client_id,
        "kind": stored.kind,
        "fingerprint": stored.fingerprint,
        "outcome": answer.outcome.value,
        "participant_id": answer.participant_id,
        "paid_through": answer.paid_through.first_day() if answer.paid_through else None,
        "reactivated": answer.reactivated,
    }


def _stored(row: Any) -> StoredAnswer:
    answer = Answer(Outcome(row.outcome), row.participant_id, _month(row.paid_through), row.reactivated)
    return StoredAnswer(row.client_id, row.kind, row.fingerprint, answer)
