"""Auth matrix on every /v1 route of registration and campaigns: 401s, and no other branch's data."""

import random
import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from e2e_stack import RunningStack, deploy, team_token
from fault_kit import payment

from support import wait_for

pytestmark = pytest.mark.e2e

SERVICES = ("registration", "campaigns")


def _routes(running_stack: RunningStack) -> Iterator[tuple[str, str, str]]:
    for service in SERVICES:
        spec = httpx.get(f"{running_stack.url(service)}/openapi.json", timeout=10).raise_for_status().json()
        for path, ops in spec["paths"].items():
            if path.startswith("/v1"):
                for method in ops:
                    yield service, method.upper(), path


def _call(
    running_stack: RunningStack, service: str, method: str, path: str, headers: dict[str, str]
) -> httpx.Response:
    url = running_stack.url(service) + re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
    params = {"branch": "jambi"} if path == "/v1/leaderboard" else None
    body = {} if method in ("POST", "PUT", "PATCH") else None
    return httpx.request(method, url, headers=headers, params=params, json=body, timeout=10)


BAD_HEADERS = {
    "no token": {},
    "bare scheme": {"Authorization": "Bearer"},
    "malformed": {"Authorization": "Bearer not-a-token"},
    "wrong scheme": {"Authorization": "Basic dXNlcjpwYXNz"},
    "forged jk_": {"Authorization": "Bearer jk_" + "A" * 43},
}


def test_every_v1_route_needs_a_valid_token(running_stack: RunningStack) -> None:
    routes = list(_routes(running_stack))
    assert len(routes) >= 12, routes  # 5 registration + 8 campaigns operations today
    wrong = []
    for service, method, path in routes:
        for label, headers in BAD_HEADERS.items():
            answer = _call(running_stack, service, method, path, headers)
            if answer.status_code != 401:
                wrong.append(f"{label}: {method} {service}{path} -> {answer.status_code} {answer.text[:120]}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.timeout(180)
def test_a_revoked_token_is_refused_on_every_route(running_stack: RunningStack) -> None:
    token, reg_id, camp_id = team_token("auth-e2e", "*")
    headers = {"Authorization": f"Bearer {token}"}
    routes = list(_routes(running_stack))
    before = _call(running_stack, "campaigns", "GET", "/v1/campaigns", headers)
    assert before.status_code == 200, before.text  # the token works before it is revoked
    deploy("services", "exec", ".venv/bin/jangkau-registration", "tokens", "revoke", reg_id, timeout=60)
    deploy("services", "exec", ".venv/bin/jangkau-campaigns", "tokens", "revoke", camp_id, timeout=60)

    def still_accepted() -> list[str]:
        return [
            f"{method} {service}{path} -> {answer.status_code}"
            for service, method, path in routes
            if (answer := _call(running_stack, service, method, path, headers)).status_code != 401
        ]

    # Cached lookups expire within seconds.
    wait_for(
        still_accepted,
        until=lambda wrong: not wrong,
        timeout=60,
        interval=2.0,
        what="every route refusing the revoked token",
    )


def _denpasar_worker() -> dict[str, object]:
    rng = random.Random()
    return {
        "client_id": str(uuid.uuid4()),
        "nik": f"51710155{rng.randrange(1, 13):02d}{rng.randrange(60, 99)}{rng.randrange(1, 10_000):04d}",
        "name": "Ni Made Lain Cabang",
        "village_code": "51.71.01.1003",
        "segment": "street_vendor",
        "programmes": ["JKK", "JKM"],
        "income_bracket": 1_000_000,
        "channel": "booth",
        "registered_on": "2025-03-10",
    }


def _campaign(branch: str, village: str) -> dict[str, object]:
    return {
        "branch": branch,
        "name": "Pasar Rakyat Cabang Lain",
        "kind": "market_day",
        "village_codes": [village],
        "place": "Pasar Badung",
        "starts_on": "2025-03-01",
        "ends_on": "2025-03-02",
        "target_registrations": 10,
        "target_first_payments": 5,
    }


@pytest.mark.timeout(180)
def test_a_token_of_another_branch_neither_reads_nor_writes_denpasar(running_stack: RunningStack) -> None:
    admin = {"Authorization": f"Bearer {running_stack.token}"}
    reg = running_stack.url("registration")
    camp = running_stack.url("campaigns")
    made = httpx.post(f"{reg}/v1/registrations", json=_denpasar_worker(), headers=admin, timeout=30)
    assert made.status_code == 201, made.text
    pid = made.json()["participant_id"]
    planned = httpx.post(
        f"{camp}/v1/campaigns", json=_campaign("denpasar", "51.71.01.1003"), headers=admin, timeout=30
    )
    assert planned.status_code == 201, planned.text
    cid = planned.json()["campaign_id"]

    token, _, _ = team_token("auth-e2e", "jambi")
    jambi = {"Authorization": f"Bearer {token}"}
    #: Another branch's data; an answer may echo what the caller sent itself, nothing else. (Branch
    #: codes and village codes are public reference data; a 403 may name the branch a village is in.)
    secrets = (pid, cid, "Pasar Badung", "Cabang Lain", "street_vendor")
    answers: dict[str, httpx.Response] = {}

    def check(label: str, answer: httpx.Response, allowed: set[int]) -> None:
        answers[label] = answer
        assert answer.status_code in allowed, f"{label}: {answer.status_code} {answer.text}"
        sent = str(answer.request.url) + answer.request.content.decode()
        leaked = [s for s in secrets if s in answer.text and s not in sent]
        assert not leaked, f"{label} leaks {leaked}: {answer.text}"

    with httpx.Client(headers=jambi, timeout=30) as c:
        # reads of another branch's records: 404, as if they did not exist
        check("GET participant", c.get(f"{reg}/v1/participants/{pid}"), {404})
        check("GET campaign", c.get(f"{camp}/v1/campaigns/{cid}"), {404})
        check("GET scorecard", c.get(f"{camp}/v1/campaigns/{cid}/scorecard"), {404})
        # writes into another branch: 403 (a payment for an unknown-to-you participant: 404 by contract)
        check("POST registration", c.post(f"{reg}/v1/registrations", json=_denpasar_worker()), {403})
        check(
            "POST campaign",
            c.post(f"{camp}/v1/campaigns", json=_campaign("denpasar", "51.71.01.1003")),
            {403},
        )
        pay = payment(pid) | {"channel": "booth"}
        check("POST contribution", c.post(f"{reg}/v1/contributions", json=pay), {403, 404})
        held = {"held_from": "2025-03-01", "held_to": "2025-03-02", "headcount": 10}
        check("POST held", c.post(f"{camp}/v1/campaigns/{cid}/held", json=held), {403, 404})
        check("POST cancel", c.post(f"{camp}/v1/campaigns/{cid}/cancel"), {403, 404})
        check("POST close", c.post(f"{camp}/v1/campaigns/{cid}/close"), {403, 404})
        check("GET leaderboard", c.get(f"{camp}/v1/leaderboard", params={"branch": "denpasar"}), {403})
        check(
            "GET campaigns?branch", c.get(f"{camp}/v1/campaigns", params={"branch": "denpasar"}), {403, 200}
        )
        if answers["GET campaigns?branch"].status_code == 200:
            assert answers["GET campaigns?branch"].json()["items"] == []
        listed = c.get(f"{camp}/v1/campaigns", params={"limit": 200})
        check("GET campaigns", listed, {200})
        assert {i["branch"] for i in listed.json()["items"]} <= {"jambi"}, listed.text
        batch = c.post(f"{reg}/v1/registrations:batch", json={"items": [_denpasar_worker()]})
        check("POST registrations:batch", batch, {200})
        assert [r["http_status"] for r in batch.json()["results"]] == [403], batch.text
        pay_batch = c.post(f"{reg}/v1/contributions:batch", json={"items": [pay]})
        check("POST contributions:batch", pay_batch, {200})
        assert [r["http_status"] for r in pay_batch.json()["results"]] in ([403], [404]), pay_batch.text

    # and nothing was changed: the campaign is still planned, the participant never paid
    still = httpx.get(f"{camp}/v1/campaigns/{cid}", headers=admin, timeout=10).json()
    assert still["status"] == "planned", still
    standing = httpx.get(f"{reg}/v1/participants/{pid}", headers=admin, timeout=10).json()
    assert standing["paid_through"] is None, standing
