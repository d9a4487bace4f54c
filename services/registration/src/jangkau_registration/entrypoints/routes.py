"""The /v1 routes: a typed contract in, a use case, a response out."""

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse

from jangkau_registration import service
from jangkau_registration.bootstrap import Registration
from jangkau_registration.domain.errors import DomainError
from jangkau_registration.domain.months import Month
from jangkau_registration.domain.outcomes import Answer
from jangkau_registration.domain.participants import RegisterWorker
from jangkau_registration.entrypoints import translate
from jangkau_registration.entrypoints.batch import run_batch, run_bulk
from jangkau_registration.entrypoints.schemas import (
    MAX_BATCH_ITEMS,
    BatchIn,
    BatchOut,
    ContributionIn,
    ContributionOut,
    ParticipantOut,
    Problem,
    QuoteOut,
    RegistrationIn,
    RegistrationOut,
    batch_body,
)
from jangkau_shared.auth import Team, bearer_auth
from jangkau_shared.events import PayerType
from jangkau_shared.http import problem

PROBLEM = {"model": Problem, "content": {"application/problem+json": {}}}
COMMON: dict[int | str, dict[str, Any]] = {
    401: {**PROBLEM, "description": "No token, or an unknown or revoked one."},
    413: {**PROBLEM, "description": "Body over 2 MiB, or a batch over 1,000 items."},
    422: {**PROBLEM, "description": "A field breaks a rule: `errors` names each field, value and reason."},
}
WRITE = COMMON | {409: {**PROBLEM, "description": "Client id reused with other content (or NIK known)."}}


def _too_many(items: list[dict[str, Any]]) -> JSONResponse | None:
    if len(items) <= MAX_BATCH_ITEMS:
        return None
    detail = f"items: a batch holds at most {MAX_BATCH_ITEMS} items (got {len(items)})"
    return problem(413, "Payload too large", detail, max_items=MAX_BATCH_ITEMS)


def build_router(reg: Registration) -> APIRouter:
    """Return the versioned API around an assembled service."""
    router = APIRouter(prefix="/v1")
    caller = Annotated[Team, Depends(bearer_auth(lambda: reg.tokens))]

    async def pay_one(body: ContributionIn, team: Team) -> Answer:
        command = translate.contribution_command(body)
        return await service.pay_contribution(command, scope=team, ctx=reg.context())

    @router.post(
        "/registrations",
        status_code=201,
        response_model=RegistrationOut,
        responses=WRITE | {403: {**PROBLEM, "description": "The village's branch is outside the scope."}},
    )
    async def register(body: RegistrationIn, team: caller) -> Response:
        """Register one worker. A NIK already registered answers 409 with the existing participant id.

        Replaying the same client id returns the first answer (header Idempotent-Replayed: true).
        """
        command = translate.registration_command(body)
        answer = await service.register_worker(command, scope=team, ctx=reg.context())
        return translate.created_registration(answer)

    @router.post(
        "/registrations:batch",
        response_model=BatchOut,
        responses=COMMON,
        openapi_extra=batch_body("RegistrationIn"),
    )
    async def register_batch(body: BatchIn, team: caller) -> Response | BatchOut:
        """Register up to 1,000 workers from an offline queue; each item is answered on its own."""
        too_many = _too_many(body.items)
        if too_many is not None:
            return too_many

        async def register_all(cmds: Sequence[RegisterWorker]) -> list[Answer | DomainError]:
            return await service.register_workers(cmds, scope=team, ctx=reg.context())

        results = await run_bulk(body.items, RegistrationIn, translate.registration_command, register_all)
        return BatchOut(results=results)

    @router.post(
        "/contributions",
        status_code=201,
        response_model=ContributionOut,
        responses=WRITE | {404: {**PROBLEM, "description": "No such participant in the token's branches."}},
    )
    async def pay(body: ContributionIn, team: caller) -> Response:
        """Record a payment for 1, 3, 6 or 12 months; the amount must match the rates in force (else 422)."""
        return translate.recorded_contribution(await pay_one(body, team), body)

    @router.post(
        "/contributions:batch",
        response_model=BatchOut,
        responses=COMMON,
        openapi_extra=batch_body("ContributionIn"),
    )
    async def pay_batch(body: BatchIn, team: caller) -> Response | BatchOut:
        """Record up to 1,000 payments from an offline queue; each item is answered on its own."""
        too_many = _too_many(body.items)
        if too_many is not None:
            return too_many
        return BatchOut(results=await run_batch(body.items, ContributionIn, lambda b: pay_one(b, team)))

    _add_participant_reads(router, reg)
    return router


def _add_participant_reads(router: APIRouter, reg: Registration) -> None:
    """Add the routes that read one participant: standing and quotes (nothing is written)."""
    caller = Annotated[Team, Depends(bearer_auth(lambda: reg.tokens))]

    @router.get(
        "/participants/{participant_id}",
        response_model=ParticipantOut,
        responses=COMMON | {404: {**PROBLEM, "description": "Unknown, or of a branch outside the scope."}},
    )
    async def participant(
        participant_id: UUID,
        team: caller,
        as_of: Annotated[date | None, Query(description="Day of the standing (default: today, WIB).")] = None,
    ) -> ParticipantOut:
        """Tell a participant's programmes, paid-through month and state as of a day."""
        record, standing, day = await service.participant_status(
            participant_id, as_of=as_of, scope=team, ctx=reg.context()
        )
        return translate.participant_out(record, standing, day)

    @router.get(
        "/participants/{participant_id}/quote",
        response_model=QuoteOut,
        responses=COMMON | {404: {**PROBLEM, "description": "Unknown, or of a branch outside the scope."}},
    )
    async def quote(
        participant_id: UUID,
        team: caller,
        first_month: Annotated[str, Query(description="First month to pay, YYYY-MM.", examples=["2026-04"])],
        months: Annotated[int, Query(description="Months to pay: 1, 3, 6 or 12.")] = 1,
        payer_type: Annotated[PayerType, Query(description="Who pays (APBD/APBN get no 2026 discount).")] = (
            PayerType.SELF
        ),
        paid_on: Annotated[
            date | None, Query(description="Day the money is received (default: today, WIB).")
        ] = None,
    ) -> QuoteOut:
        """Quote a payment: the amount due and the paid-through month it would give; records nothing.

        The same checks and rate table as `POST /v1/contributions`: a payment with this amount, these
        months, payer and day is accepted as long as no other payment is recorded first. A month
        the participant may not pay answers 422 naming it, as the payment would.
        """
        month = Month.parse(first_month, field="first_month")
        found = await service.quote_contribution(
            participant_id,
            first_month=month,
            months=months,
            payer=payer_type,
            paid_on=paid_on,
            scope=team,
            ctx=reg.context(),
        )
        return translate.quote_out(found)
