"""Input limits: hostile strings in any string field are stored as sent or refused naming the field.

A test checks the list of string fields against each service's live OpenAPI document, so a
field added later fails it until it is probed too. Nothing may answer 5xx, and every service
must still be healthy afterwards.
"""

import json
import random
from typing import Any

import httpx
import pytest
from e2e_stack import RunningStack
from fault_kit import jambi_worker, payment

pytestmark = pytest.mark.e2e

#: Values sent in every string field: length, unicode, control characters, injections.
HOSTILE = {
    "very-long": "x" * 100_000,
    "combining-marks": "Pasar Bada\u0300\u0301\u0302ung",
    "right-to-left": "\u202eمخيم السوق\u202c",
    "emoji": "Booth 👩🏽‍🌾 🇮🇩",
    "nul": "Pasar\u0000Badung",
    "control-characters": "Pasar\u0001\u0007\u001b[31mBadung\u007f",
    "lone-surrogate": "Pasar\ud800",
    "sql-drop-table": "'; DROP TABLE participants; --",
    "sql-or-true": "' OR '1'='1",
    "json-open-object": '{"a":',
    "json-escaped-nul": "\\u0000",
}
#: Every string field (or list of strings) of each request body; checked against the live OpenAPI.
FIELDS = {
    ("registration", "RegistrationIn"): (
        "client_id", "nik", "name", "village_code", "branch", "segment", "programmes", "channel",
        "registered_on", "campaign_id", "birth_date", "sex",
    ),
    ("registration", "ContributionIn"): (
        "client_id", "participant_id", "first_month", "payer_type", "channel", "paid_on", "campaign_id",
    ),
    ("campaigns", "CampaignIn"): (
        "campaign_id", "branch", "name", "kind", "village_codes", "place", "starts_on", "ends_on", "partners",
    ),
    ("campaigns", "HeldIn"): ("held_from", "held_to", "notes"),
}  # fmt: skip
#: Fields holding a list of strings: the hostile value is sent as its one item.
LISTS = frozenset({"programmes", "village_codes", "partners"})
CASES = [
    pytest.param(service, body, field, id=f"{body}.{field}")
    for (service, body), fields in FIELDS.items()
    for field in fields
]


def _is_string(schema: dict[str, Any], components: dict[str, Any]) -> bool:
    if "$ref" in schema:
        return _is_string(components[schema["$ref"].rsplit("/", 1)[1]], components)
    if schema.get("type") == "string":
        return True
    if schema.get("type") == "array":
        return _is_string(schema.get("items", {}), components)
    return any(_is_string(s, components) for s in schema.get("anyOf", []))


def test_the_probed_fields_are_every_string_field_of_the_request_bodies(running_stack: RunningStack) -> None:
    for (service, body), fields in FIELDS.items():
        document = httpx.get(f"{running_stack.url(service)}/openapi.json", timeout=10).json()
        components = document["components"]["schemas"]
        properties = components[body]["properties"]
        strings = tuple(f for f, schema in properties.items() if _is_string(schema, components))
        assert strings == fields, f"{body}: update FIELDS to {strings}"


def _registration(rng: random.Random) -> dict[str, Any]:
    return jambi_worker(rng, name="Siti Aminah")


def _campaign() -> dict[str, Any]:
    return {
        "branch": "jambi",
        "name": "Pasar Batanghari booth",
        "kind": "market_day",
        "village_codes": ["15.04.03.2015"],
        "place": "Pasar Muara Bulian",
        "starts_on": "2025-03-01",
        "ends_on": "2025-03-02",
        "partners": ["Kepala desa"],
        "target_registrations": 10,
        "target_first_payments": 5,
    }


def _post(api: httpx.Client, path: str, body: dict[str, Any]) -> httpx.Response:
    """POST as JSON text; json.dumps escapes a lone surrogate as \\ud800, which JSON allows."""
    return api.post(path, content=json.dumps(body), headers={"content-type": "application/json"})


def _assert_refused_naming(response: httpx.Response, field: str) -> None:
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json", response.headers
    problem = response.json()
    named = [e["field"] for e in problem.get("errors") or []]
    assert any(n == field or n.startswith(f"{field}.") or n.endswith(f".{field}") for n in named) or (
        field in problem["detail"]
    ), f"{field} not named in {problem}"


def _send(api: httpx.Client, body_name: str, field: str, value: Any) -> tuple[httpx.Response, str | None]:
    """Send one hostile body; return the answer and, for a stored campaign, the path to read it back."""
    rng = random.Random()
    if body_name == "RegistrationIn":
        return _post(api, "/v1/registrations", _registration(rng) | {field: value}), None
    if body_name == "ContributionIn":
        created = _post(api, "/v1/registrations", _registration(rng))
        assert created.status_code == 201, created.text
        paying = payment(created.json()["participant_id"]) | {"channel": "booth", "paid_on": "2025-03-10"}
        return _post(api, "/v1/contributions", paying | {field: value}), None
    if body_name == "CampaignIn":
        response = _post(api, "/v1/campaigns", _campaign() | {field: value})
        read = f"/v1/campaigns/{response.json()['campaign_id']}" if response.status_code == 201 else None
        return response, read
    planned = _post(api, "/v1/campaigns", _campaign())
    assert planned.status_code == 201, planned.text
    path = f"/v1/campaigns/{planned.json()['campaign_id']}"
    held = {"held_from": "2025-03-01", "held_to": "2025-03-02", "headcount": 40, "notes": "ok"}
    response = _post(api, f"{path}/held", held | {field: value})
    return response, path if response.status_code == 200 else None


def _outcome(api: httpx.Client, body: str, field: str, value: Any) -> str | None:
    """Send one hostile value; return what is wrong with the answer, or None."""
    response, read_back = _send(api, body, field, value)
    if response.status_code in (200, 201):
        stored = api.get(read_back).json() if read_back else None
        if stored is not None and stored[field] != value:
            return f"stored as {stored[field]!r:.80}"
        return None
    try:
        _assert_refused_naming(response, field)
    except AssertionError as wrong:
        return str(wrong)
    return None


@pytest.mark.parametrize(("service", "body", "field"), CASES)
def test_hostile_strings_are_stored_as_sent_or_refused_naming_the_field(
    running_stack: RunningStack, service: str, body: str, field: str
) -> None:
    headers = {"Authorization": f"Bearer {running_stack.token}"}
    wrong = {}
    with httpx.Client(base_url=running_stack.url(service), headers=headers, timeout=30) as api:
        for kind, hostile in HOSTILE.items():
            value: Any = [hostile] if field in LISTS else hostile
            problem = _outcome(api, body, field, value)
            if problem:
                wrong[kind] = problem
    assert not wrong, f"{body}.{field}: {wrong}"


@pytest.mark.parametrize(
    ("service", "path", "param"),
    [
        ("campaigns", "/v1/campaigns", "branch"),
        ("campaigns", "/v1/leaderboard", "branch"),
        ("metrics", "/v1/coverage", "branch"),
        ("metrics", "/v1/timeseries", "branch"),
        ("metrics", "/v1/coverage", "by"),
    ],
)
def test_a_hostile_query_parameter_gets_an_answer_or_a_4xx_naming_it(
    running_stack: RunningStack, service: str, path: str, param: str
) -> None:
    headers = {"Authorization": f"Bearer {running_stack.token}"}
    with httpx.Client(base_url=running_stack.url(service), headers=headers, timeout=30) as api:
        for kind, value in HOSTILE.items():
            if kind == "lone-surrogate":  # cannot be percent-encoded as UTF-8; sent as its escape text
                value = value.encode("utf-8", "backslashreplace").decode()
            if kind == "very-long":  # a URL has to fit the request line
                value = value[:4000]
            response = api.get(path, params={param: value})
            if response.status_code != 200:
                _assert_refused_naming(response, param)


@pytest.mark.parametrize(
    ("service", "path", "limit"),
    [
        ("registration", "/v1/registrations:batch", 2 * 1024 * 1024),
        ("campaigns", "/v1/campaigns", 256 * 1024),
        ("metrics", "/v1/targets/jambi/2030", 64 * 1024),
    ],
)
def test_an_oversized_body_is_refused_with_413_unread(
    running_stack: RunningStack, service: str, path: str, limit: int
) -> None:
    body = json.dumps({"items": [], "padding": "x" * (limit + 1)}).encode()
    headers = {"Authorization": f"Bearer {running_stack.token}", "content-type": "application/json"}
    with httpx.Client(base_url=running_stack.url(service), headers=headers, timeout=60) as api:
        method = "PUT" if service == "metrics" else "POST"
        declared = api.request(method, path, content=body)
        streamed = api.request(method, path, content=iter([body[: limit // 2], body[limit // 2 :]]))
    for response in (declared, streamed):
        assert response.status_code == 413, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["max_bytes"] == limit


@pytest.mark.parametrize("path", ["/v1/registrations:batch", "/v1/contributions:batch"])
def test_a_batch_over_1000_items_is_refused_with_413_naming_items(
    running_stack: RunningStack, path: str
) -> None:
    headers = {"Authorization": f"Bearer {running_stack.token}"}
    with httpx.Client(base_url=running_stack.url("registration"), headers=headers, timeout=60) as api:
        response = api.post(path, json={"items": [{} for _ in range(1001)]})
    assert response.status_code == 413, response.text
    assert response.json()["detail"].startswith("items:")
    assert response.json()["max_items"] == 1000


@pytest.mark.parametrize("service", ["registration", "campaigns"])
@pytest.mark.parametrize(
    ("content", "status"), [(b'{"a":', 422), (b"\x80\x06\xff", 400), (b"[1, 2]", 422), (b"", 422)]
)
def test_a_body_that_is_not_the_json_object_asked_for_is_a_4xx_problem(
    running_stack: RunningStack, service: str, content: bytes, status: int
) -> None:
    path = {"registration": "/v1/registrations", "campaigns": "/v1/campaigns"}[service]
    headers = {"Authorization": f"Bearer {running_stack.token}", "content-type": "application/json"}
    with httpx.Client(base_url=running_stack.url(service), headers=headers, timeout=30) as api:
        response = api.post(path, content=content)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_every_service_is_still_healthy_and_its_tables_intact(running_stack: RunningStack) -> None:
    headers = {"Authorization": f"Bearer {running_stack.token}"}
    for service in ("registration", "campaigns", "metrics"):
        assert httpx.get(f"{running_stack.url(service)}/health/ready", timeout=10).status_code == 200
    with httpx.Client(base_url=running_stack.url("registration"), headers=headers, timeout=30) as api:
        created = _post(api, "/v1/registrations", _registration(random.Random()))
        assert created.status_code == 201, created.text
        assert api.get(f"/v1/participants/{created.json()['participant_id']}").status_code == 200
    with httpx.Client(base_url=running_stack.url("campaigns"), headers=headers, timeout=30) as api:
        assert api.get("/v1/campaigns", params={"branch": "jambi"}).json()["total"] >= 1
