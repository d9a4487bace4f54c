"""Between HTTP and the use cases: requests to commands, answers and errors to responses."""

from typing import Any

from fastapi.responses import JSONResponse

from jangkau_registration.domain.contributions import PayContribution
from jangkau_registration.domain.errors import (
    AmountMismatch,
    ClientIdConflict,
    DomainError,
    InvalidField,
    OutOfScope,
    ParticipantNotFound,
)
from jangkau_registration.domain.months import Month
from jangkau_registration.domain.nik import Nik
from jangkau_registration.domain.outcomes import Answer, Outcome
from jangkau_registration.domain.participants import RegisterWorker
from jangkau_registration.entrypoints.schemas import ContributionIn, RegistrationIn
from jangkau_shared.http import problem

REPLAYED_HEADER = "Idempotent-Replayed"


def registration_command(body: RegistrationIn) -> RegisterWorker:
    """Turn a request into a command; an unacceptable NIK raises InvalidField."""
    return RegisterWorker(
        client_id=body.client_id,
        nik=Nik.parse(body.nik),
        name=body.name,
        branch=body.branch,
        village_code=body.village_code,
        segment=body.segment,
        programmes=frozenset(body.programmes),
        income_bracket=body.income_bracket,
        channel=body.channel,
        registered_on=body.registered_on,
        campaign_id=body.campaign_id,
        birth_date=body.birth_date,
        sex=body.sex,
    )


def contribution_command(body: ContributionIn) -> PayContribution:
    """Turn a request into a command; a malformed month raises InvalidField."""
    return PayContribution(
        contribution_id=body.client_id,
        participant_id=body.participant_id,
        first_month=Month.parse(body.first_month, field="first_month"),
        months=body.months,
        amount=body.amount,
        payer_type=body.payer_type,
        channel=body.channel,
        paid_on=body.paid_on,
        campaign_id=body.campaign_id,
    )


def error_facts(err: DomainError) -> tuple[int, str, str, dict[str, Any]]:
    """Return (status, batch status, title, extra problem members) of a domain error."""
    if isinstance(err, InvalidField):
        extra: dict[str, Any] = {"errors": [{"field": err.field, "value": err.value, "reason": err.reason}]}
        if isinstance(err, AmountMismatch):
            extra |= {"expected": err.expected, "given": err.given}
        return 422, "invalid", "Invalid request", extra
    if isinstance(err, OutOfScope):
        return 403, "forbidden", "Forbidden", {}
    if isinstance(err, ParticipantNotFound):
        return 404, "not_found", "Not found", {}
    if isinstance(err, ClientIdConflict):
        return 409, "conflict", "Client id reused", {}
    raise TypeError(f"unmapped domain error {type(err).__name__}") from err


def error_response(err: DomainError) -> JSONResponse:
    """Answer a domain error as an RFC 9457 problem."""
    status, _, title, extra = error_facts(err)
    return problem(status, title, str(err), **extra)


def already_registered(answer: Answer) -> JSONResponse:
    """Answer 409 with the existing participant id and nothing more."""
    response = problem(
        409,
        "Already registered",
        "a participant with this NIK exists",
        participant_id=str(answer.participant_id),
    )
    return _mark(response, answer)


def created_registration(answer: Answer) -> JSONResponse:
    """Answer 201 for a new participant (or its replay)."""
    if answer.outcome is Outcome.ALREADY_REGISTERED:
        return already_registered(answer)
    body = {"status": "created", "participant_id": str(answer.participant_id)}
    return _mark(JSONResponse(body, status_code=201), answer)


def recorded_contribution(answer: Answer, body: ContributionIn) -> JSONResponse:
    """Answer 201 for a recorded payment (or its replay)."""
    content = {
        "status": "recorded",
        "contribution_id": str(body.client_id),
        "participant_id": str(answer.participant_id),
        "paid_through": str(answer.paid_through),
        "reactivated": answer.reactivated,
    }
    return _mark(JSONResponse(content, status_code=201), answer)


def _mark(response: JSONResponse, answer: Answer) -> JSONResponse:
    if answer.replayed:
        response.headers[REPLAYED_HEADER] = "true"
    return response
