"""SQL repositories of one transaction: participants, contributions, remembered answers."""

from typing import Any
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from jangkau_registration.adapters.pii import PersonalDataVault
from jangkau_registration.adapters.tables import client_answers, contributions, participants
from jangkau_registration.domain.contributions import Contribution
from jangkau_registration.domain.months import Month
from jangkau_registration.domain.nik import Nik
from jangkau_registration.domain.outcomes import Answer, Outcome, StoredAnswer
from jangkau_registration.domain.participants import Participant, ParticipantRecord
from jangkau_registration.ports import DuplicateClientId, DuplicateNik
from jangkau_shared.events import Channel, Programme, Segment


def _month(value: Any) -> Month | None:
    return Month.of(value) if value is not None else None


class SqlParticipantRepository:
    """Participants in PostgreSQL; personal fields sealed by the vault."""

    def __init__(self, conn: AsyncConnection, vault: PersonalDataVault) -> None:
        self._conn, self._vault = conn, vault

    async def add(self, participant: Participant) -> None:
        """Insert a participant; the unique NIK hash turns a race into DuplicateNik."""
        row = {
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
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(insert(participants).values(row))
        except IntegrityError as err:
            raise DuplicateNik() from err

    async def id_for_nik(self, nik: Nik) -> UUID | None:
        """Find a participant id by the keyed hash of a NIK."""
        query = select(participants.c.participant_id).where(
            participants.c.nik_hash == self._vault.lookup_hash(nik.value)
        )
        return (await self._conn.execute(query)).scalar_one_or_none()

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


class SqlAnswerBook:
    """Answers per client id in PostgreSQL; the primary key settles races."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, client_id: UUID) -> StoredAnswer | None:
        """Return the answer given to ``client_id``, if any."""
        query = select(client_answers).where(client_answers.c.client_id == client_id)
        row = (await self._conn.execute(query)).one_or_none()
        if row is None:
            return None
        answer = Answer(Outcome(row.outcome), row.participant_id, _month(row.paid_through), row.reactivated)
        return StoredAnswer(row.client_id, row.kind, row.fingerprint, answer)

    async def put(self, stored: StoredAnswer) -> None:
        """Remember an answer; raise DuplicateClientId when the id is taken."""
        answer = stored.answer
        row = {
            "client_id": stored.client_id,
            "kind": stored.kind,
            "fingerprint": stored.fingerprint,
            "outcome": answer.outcome.value,
            "participant_id": answer.participant_id,
            "paid_through": answer.paid_through.first_day() if answer.paid_through else None,
            "reactivated": answer.reactivated,
        }
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(insert(client_answers).values(row))
        except IntegrityError as err:
            raise DuplicateClientId() from err
