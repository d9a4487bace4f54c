"""The campaigns API on the real database and broker: lifecycle, rules, tokens, listing, demo."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from campaigns_support import HELD, SESETAN, SUNGAI_BAUNG, read_topic, sesetan_booth, started_campaigns
from campaigns_support import api as client_for
from sqlalchemy import func, select

from jangkau_campaigns.adapters.tables import campaigns as campaigns_table
from jangkau_campaigns.adapters.tables import outbox
from jangkau_campaigns.bootstrap import Campaigns
from jangkau_campaigns.demo import load_demo
from jangkau_shared import topics
from jangkau_shared.envelope import decode
from support import Stack

pytestmark = pytest.mark.integration


@pytest.fixture
async def campaigns(stack: Stack, new_database: Any, topic_prefix: str) -> AsyncIterator[Campaigns]:
    svc = await started_campaigns(stack, await new_database(), topic_prefix)
    yield svc
    await svc.stop()


async def test_a_campaign_planned_held_and_closed_publishes_each_step_once(
    stack: Stack, campaigns: Campaigns, topic_prefix: str
) -> None:
    async with await client_for(campaigns, branches=["denpasar"]) as api:
        planned = await api.post("/v1/campaigns", json=sesetan_booth())
        assert planned.status_code == 201, planned.text
        campaign_id = planned.json()["campaign_id"]
        assert planned.headers["location"] == f"/v1/campaigns/{campaign_id}"
        held = await api.post(f"/v1/campaigns/{campaign_id}/held", json=HELD)
        assert (held.status_code, held.json()["status"], held.json()["headcount"]) == (200, "held", 3000)
        closed = await api.post(f"/v1/campaigns/{campaign_id}/close")
        assert (closed.status_code, closed.json()["status"]) == (200, "closed")
        assert (await api.get(f"/v1/campaigns/{campaign_id}")).json()["status"] == "closed"

    steps = {
        topics.CAMPAIGN_PLANNED: "planned",
        topics.CAMPAIGN_HELD: "held",
        topics.CAMPAIGN_CLOSED: "closed",
    }
    for topic in steps:
        records = await read_topic(stack, f"{topic_prefix}{topic}", at_least=1)
        assert len(records) == 1, topic
        assert records[0].key == campaign_id.encode()
        event = decode(records[0].headers, records[0].value)
        assert str(event.data.campaign_id) == campaign_id  # type: ignore[attr-defined]
    closed_event = decode(records[0].headers, records[0].value)
    assert closed_event.data.outcome == "closed"  # type: ignore[attr-defined]


async def test_invalid_steps_answer_409_or_422_with_the_reason(campaigns: Campaigns) -> None:
    async with await client_for(campaigns, branches=["denpasar"]) as api:
        backwards = await api.post("/v1/campaigns", json=sesetan_booth(ends_on="2017-08-12"))
        assert backwards.status_code == 422
        assert backwards.headers["content-type"] == "application/problem+json"
        assert backwards.json()["errors"][0]["field"] == "ends_on"
        assert backwards.json()["errors"][0]["value"] == "2017-08-12"

        campaign_id = (await api.post("/v1/campaigns", json=sesetan_booth())).json()["campaign_id"]
        early_close = await api.post(f"/v1/campaigns/{campaign_id}/close")
        assert early_close.status_code == 409
        assert "only a held campaign can be closed" in early_close.json()["detail"]

        assert (await api.post(f"/v1/campaigns/{campaign_id}/cancel")).status_code == 200
        hold_cancelled = await api.post(f"/v1/campaigns/{campaign_id}/held", json=HELD)
        assert hold_cancelled.status_code == 409
        assert hold_cancelled.json()["errors"] == [
            {
                "field": "status",
                "value": "cancelled",
                "reason": "a cancelled campaign cannot be held; plan a new one",
            }
        ]

        other = (await api.post("/v1/campaigns", json=sesetan_booth())).json()["campaign_id"]
        inverted = dict(HELD, held_from="2017-08-18")
        bad_hold = await api.post(f"/v1/campaigns/{other}/held", json=inverted)
        assert bad_hold.status_code == 422
        assert bad_hold.json()["errors"][0]["field"] == "held_to"
        again = await api.post("/v1/campaigns", json=sesetan_booth(campaign_id=other))
        assert again.status_code == 409


async def test_villages_that_do_not_exist_or_lie_in_another_branch_are_refused_naming_each(
    campaigns: Campaigns,
) -> None:
    async with await client_for(campaigns, branches=["denpasar"]) as api:
        nowhere = await api.post("/v1/campaigns", json=sesetan_booth(village_codes=["99.99.99.9999"]))
        elsewhere = await api.post("/v1/campaigns", json=sesetan_booth(village_codes=[SESETAN, SUNGAI_BAUNG]))
        planned = (await api.get("/v1/campaigns")).json()["total"]
    async with await client_for(campaigns, branches=["*"]) as ops:
        typo = await ops.post("/v1/campaigns", json=sesetan_booth(branch="denpasr"))

    assert (nowhere.status_code, nowhere.headers["content-type"]) == (422, "application/problem+json")
    [error] = nowhere.json()["errors"]
    assert (error["field"], error["value"]) == ("village_codes", "99.99.99.9999")
    assert elsewhere.status_code == 422
    assert [(e["field"], e["value"]) for e in elsewhere.json()["errors"]] == [("village_codes", SUNGAI_BAUNG)]
    assert "jambi" in elsewhere.json()["errors"][0]["reason"]
    assert planned == 0
    assert typo.status_code == 422
    assert [(e["field"], e["value"]) for e in typo.json()["errors"]] == [("branch", "denpasr")]


async def test_tokens_limit_a_team_to_its_branches(campaigns: Campaigns) -> None:
    async with await client_for(campaigns, branches=["jambi"]) as jambi:
        in_jambi = sesetan_booth(branch="jambi", village_codes=[SUNGAI_BAUNG])
        jambi_id = (await jambi.post("/v1/campaigns", json=in_jambi)).json()["campaign_id"]
    async with await client_for(campaigns, branches=["denpasar"]) as api:
        anonymous = await api.get("/v1/campaigns", headers={"Authorization": ""})
        assert anonymous.status_code == 401
        assert anonymous.headers["content-type"] == "application/problem+json"
        forged = await api.get("/v1/campaigns", headers={"Authorization": "Bearer jk_not-a-token"})
        assert forged.status_code == 401

        outside = await api.post("/v1/campaigns", json=sesetan_booth(branch="jambi"))
        assert outside.status_code == 403
        assert outside.json()["errors"][0] == {
            "field": "branch",
            "value": "jambi",
            "reason": "outside this token's branches",
        }
        assert (await api.get(f"/v1/campaigns/{jambi_id}")).status_code == 404
        assert (await api.get(f"/v1/campaigns/{jambi_id}/scorecard")).status_code == 404
        assert (await api.post(f"/v1/campaigns/{jambi_id}/cancel")).status_code == 403
        assert (await api.get("/v1/leaderboard", params={"branch": "jambi"})).status_code == 403
        assert (await api.get("/v1/campaigns")).json()["total"] == 0


async def test_campaigns_are_listed_by_branch_status_kind_and_period_a_page_at_a_time(
    campaigns: Campaigns,
) -> None:
    async with await client_for(campaigns, branches=["*"]) as api:
        ids = []
        for day in ("2017-06-01", "2017-07-01", "2017-08-13"):
            body = sesetan_booth(starts_on=day, ends_on=day)
            ids.append((await api.post("/v1/campaigns", json=body)).json()["campaign_id"])
        market = sesetan_booth(
            branch="jambi",
            kind="market_day",
            village_codes=[SUNGAI_BAUNG],
            starts_on="2018-03-01",
            ends_on="2018-03-01",
        )
        assert (await api.post("/v1/campaigns", json=market)).status_code == 201
        await api.post(f"/v1/campaigns/{ids[0]}/cancel")

        first = (await api.get("/v1/campaigns", params={"branch": "denpasar", "limit": 2})).json()
        second = (
            await api.get("/v1/campaigns", params={"branch": "denpasar", "limit": 2, "offset": 2})
        ).json()
        assert first["total"] == 3
        assert [c["campaign_id"] for c in first["items"] + second["items"]] == list(reversed(ids))

        async def names(**params: str) -> list[str]:
            page = (await api.get("/v1/campaigns", params=params)).json()
            return [c["starts_on"] for c in page["items"]]

        assert await names(status="cancelled") == ["2017-06-01"]
        assert await names(kind="market_day") == ["2018-03-01"]
        assert await names(**{"from": "2017-06-15", "to": "2017-12-31"}) == ["2017-08-13", "2017-07-01"]
        bad = await api.get("/v1/campaigns", params={"status": "finished"})
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["value"] == "finished"


async def test_the_demo_loads_once_through_the_use_cases(campaigns: Campaigns) -> None:
    first = await load_demo(campaigns.uow, campaigns.now, campaigns.places)
    second = await load_demo(campaigns.uow, campaigns.now, campaigns.places)
    assert len(first) == 9 + 9 + 4  # planned, held; the 2016 pilots and the 2017 booth closed
    assert second == []
    async with campaigns.engine.connect() as conn:
        count = (await conn.execute(select(func.count()).select_from(campaigns_table))).scalar()
        events = (await conn.execute(select(func.count()).select_from(outbox))).scalar()
        booth = (
            await conn.execute(select(campaigns_table).where(campaigns_table.c.kind == "festival_booth"))
        ).one()
    assert (count, events) == (9, 22)
    assert (booth.village_codes, booth.place, booth.status) == (
        [SESETAN],
        "Lapangan Pegok, Sesetan, Denpasar",
        "closed",
    )


async def test_the_openapi_document_describes_every_route_and_its_problems(campaigns: Campaigns) -> None:
    async with await client_for(campaigns, branches=["denpasar"]) as api:
        document = (await api.get("/openapi.json")).json()
    paths = document["paths"]
    assert set(paths) >= {
        "/v1/campaigns",
        "/v1/campaigns/{campaign_id}",
        "/v1/campaigns/{campaign_id}/held",
        "/v1/campaigns/{campaign_id}/close",
        "/v1/campaigns/{campaign_id}/cancel",
        "/v1/campaigns/{campaign_id}/scorecard",
        "/v1/leaderboard",
    }
    held = paths["/v1/campaigns/{campaign_id}/held"]["post"]["responses"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(held)
    assert held["409"]["content"]["application/problem+json"]["schema"]["$ref"].endswith("/Problem")
    retention = document["components"]["schemas"]["RetentionOut"]["properties"]["active"]
    assert "description" in retention
