"""The /v1 routes: a typed contract in, a use case, a response out."""

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse

from jangkau_registration import service
from jangkau_registration.bootstrap import Registration
from jangkau_registration.domain.coverage import State
from jangkau_registration.domain.errors import DomainError
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
    RegistrationIn,
    RegistrationOut,
    batch_body,
)
from jangkau_shared.auth import Team, bearer_auth
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
        return ParticipantOut(
            participant_id=record.participant_id,
            branch=record.branch,
            village_code=record.village_code,
            segment=record.segment,
            programmes=sorted(record.programmes),
            income_bracket=record.income_bracket,
            channel=record.channel,
            registered_on=record.registered_on,
            campaign_id=record.campaign_id,
            paid_through=str(record.paid_through) if record.paid_through else None,
            as_of=day,
            state=standing.state.value,
            arrears_months=standing.unpaid_months if standing.state is State.ARREARS else 0,
        )

    return router
