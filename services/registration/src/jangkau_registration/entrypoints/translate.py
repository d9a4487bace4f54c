"""Between HTTP and the use cases: requests to commands, answers and errors to responses."""

from datetime import date
from typing import Any

from fastapi.responses import JSONResponse

from jangkau_registration.domain.contributions import PayContribution, Quote
from jangkau_registration.domain.coverage import Standing, State
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
from jangkau_registration.domain.participants import ParticipantRecord, RegisterWorker
from jangkau_registration.entrypoints.schemas import (
    ContributionIn,
    ParticipantOut,
    QuotedMonthOut,
    QuoteOut,
    RegistrationIn,
)
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


def participant_out(record: ParticipantRecord, now: Standing, day: date) -> ParticipantOut:
    """Answer a participant's enrolment and standing on ``day``, without personal data."""
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
        state=now.state.value,
        arrears_months=now.unpaid_months if now.state is State.ARREARS else 0,
    )


def quote_out(quote: Quote) -> QuoteOut:
    """Answer a quote with each month's amount and rate period."""
    return QuoteOut(
        participant_id=quote.participant.participant_id,
        first_month=str(quote.first_month),
        months=quote.months,
        last_month=str(quote.priced[-1].month),
        payer_type=quote.payer_type,
        paid_on=quote.paid_on,
        amount=quote.amount,
        paid_through=str(quote.paid_through),
        reactivates=quote.reactivates,
        monthly=[
            QuotedMonthOut(
                month=str(m.month),
                amount=m.amount,
                rate_from=str(m.rate.valid_from),
                rate_until=str(m.rate.valid_until) if m.rate.valid_until else None,
                discounts=list(m.discounts),
            )
            for m in quote.priced
        ],
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
