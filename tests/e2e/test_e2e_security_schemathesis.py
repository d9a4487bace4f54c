"""Schemathesis against each live OpenAPI document: no 5xx, every answer as the document describes it.

The schema is read from the running service, so it cannot be loaded at collection time; and
``schemathesis.pytest.from_fixture`` breaks on pytest 9.2 (it sets ``Function._nodeid``, which
pytest no longer has). So each test walks the operations itself and drives Schemathesis'
per-operation Hypothesis strategy (``APIOperation.as_strategy``), valid and invalid data both.
"""

import pytest
import schemathesis
from e2e_stack import RunningStack
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.e2e

#: The checks of issue 9: no server error; status, media type and body as documented.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
#: Per operation and mode; deterministic (derandomize) so that CI runs the same requests.
BOUNDED = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


def _failures(running_stack: RunningStack, service: str) -> tuple[int, list[str]]:
    """Call every operation of a service with generated requests; return (operations, failures)."""
    base = running_stack.url(service)
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json", timeout=10)
    headers = {"Authorization": f"Bearer {running_stack.token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @BOUNDED
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case: schemathesis.Case) -> None:
                case.call_and_validate(base_url=base, headers=headers, checks=CHECKS, timeout=30)

            try:
                call()
            except (AssertionError, BaseExceptionGroup) as failure:
                failures.append(f"{operation.label} ({mode.value} data): {failure}")
    return len(operations), failures


@pytest.mark.timeout(240)
@pytest.mark.parametrize(("service", "at_least"), [("registration", 5), ("campaigns", 8), ("metrics", 6)])
def test_generated_requests_get_no_server_error_and_only_documented_answers(
    running_stack: RunningStack, service: str, at_least: int
) -> None:
    operations, failures = _failures(running_stack, service)
    assert operations >= at_least, f"only {operations} operations in {service}'s OpenAPI document"
    assert not failures, "\n\n".join(failures)
