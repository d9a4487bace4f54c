"""Batches: each item validated, run and answered on its own, so good items are stored."""

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ValidationError

from jangkau_registration.domain.errors import DomainError
from jangkau_registration.domain.outcomes import Answer, Outcome
from jangkau_registration.entrypoints.schemas import BatchItemOut
from jangkau_registration.entrypoints.translate import error_facts
from jangkau_shared.http import field_errors

M = TypeVar("M", bound=BaseModel)
C = TypeVar("C")
_STATUS = {Outcome.CREATED: 201, Outcome.RECORDED: 201, Outcome.ALREADY_REGISTERED: 409}


def _client_id(raw: Any) -> str | None:
    value = raw.get("client_id") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


def _answered(index: int, client_id: str | None, answer: Answer) -> BatchItemOut:
    return BatchItemOut(
        index=index,
        client_id=client_id,
        status=answer.outcome.value,
        http_status=_STATUS[answer.outcome],
        participant_id=answer.participant_id,
        paid_through=str(answer.paid_through) if answer.paid_through else None,
        reactivated=answer.reactivated if answer.outcome is Outcome.RECORDED else None,
        replayed=answer.replayed,
    )


def _failed(index: int, client_id: str | None, err: DomainError) -> BatchItemOut:
    status, kind, _, extra = error_facts(err)
    return BatchItemOut(
        index=index,
        client_id=client_id,
        status=kind,
        http_status=status,
        errors=extra.get("errors", []),
        expected_amount=extra.get("expected"),
    )


def _invalid(index: int, client_id: str | None, err: ValidationError) -> BatchItemOut:
    errors = field_errors(cast(list[dict[str, Any]], err.errors()))
    return BatchItemOut(index=index, client_id=client_id, status="invalid", http_status=422, errors=errors)


async def run_bulk(
    items: list[dict[str, Any]],
    model: type[M],
    command: Callable[[M], C],
    handle: Callable[[Sequence[C]], Awaitable[Sequence[Answer | DomainError]]],
) -> list[BatchItemOut]:
    """Validate each item against ``model`` and make its command; hand all commands to ``handle``
    at once (one transaction) and answer item by item, in request order."""
    results: list[BatchItemOut | None] = [None] * len(items)
    commands: list[tuple[int, str | None, C]] = []
    for index, raw in enumerate(items):
        client_id = _client_id(raw)
        try:
            commands.append((index, client_id, command(model.model_validate(raw))))
        except ValidationError as err:
            results[index] = _invalid(index, client_id, err)
        except DomainError as err:
            results[index] = _failed(index, client_id, err)
    outcomes = await handle([cmd for _, _, cmd in commands]) if commands else []
    for (index, client_id, _), outcome in zip(commands, outcomes, strict=True):
        if isinstance(outcome, DomainError):
            results[index] = _failed(index, client_id, outcome)
        else:
            results[index] = _answered(index, client_id, outcome)
    return [r for r in results if r is not None]


async def run_batch(
    items: list[dict[str, Any]], model: type[M], handle: Callable[[M], Awaitable[Answer]]
) -> list[BatchItemOut]:
    """Validate each item against ``model`` and hand it to ``handle``; answer item by item."""
    results = []
    for index, raw in enumerate(items):
        client_id = _client_id(raw)
        try:
            body = model.model_validate(raw)
        except ValidationError as err:
            results.append(_invalid(index, client_id, err))
            continue
        try:
            results.append(_answered(index, client_id, await handle(body)))
        except DomainError as err:
            results.append(_failed(index, client_id, err))
    return results
