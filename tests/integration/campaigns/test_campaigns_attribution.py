"""Attribution on the real broker and database: idempotent, parked until the campaign arrives."""

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from campaigns_support import (
    HELD,
    UBUNG_KAJA,
    paid,
    publish,
    read_topic,
    registered,
    sesetan_booth,
    started_campaigns,
)
from campaigns_support import api as client_for
from sqlalchemy import func, select, text

from jangkau_campaigns.adapters.tables import parked_events
from jangkau_campaigns.bootstrap import Campaigns
from jangkau_shared import topics
from jangkau_shared.envelope import build_headers
from jangkau_shared.events import ContributionPaidV1, spec_for_model
from jangkau_shared.topics import dead_letter_topic
from support import Stack, eventually

pytestmark = pytest.mark.integration


@pytest.fixture
async def database(new_database: Any) -> str:
    url: str = await new_database()
    return url


@pytest.fixture
async def campaigns(stack: Stack, database: str, topic_prefix: str) -> AsyncIterator[Campaigns]:
    svc = await started_campaigns(stack, database, topic_prefix)
    yield svc
    await svc.stop()


def _applied(svc: Campaigns) -> int:
    return sum(svc.stats.applied.values())


async def _wait_applied(svc: Campaigns, n: int) -> None:
    async def probe() -> int:
        return _applied(svc)

    await eventually(probe, until=lambda seen: seen >= n, what=f"{n} events applied")


async def _scorecard(api: httpx.AsyncClient, campaign_id: str, as_of: str = "2018-01-01") -> dict[str, Any]:
    response = await api.get(f"/v1/campaigns/{campaign_id}/scorecard", params={"as_of": as_of})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _held_booth(api: httpx.AsyncClient, **changes: object) -> str:
    campaign_id: str = (await api.post("/v1/campaigns", json=sesetan_booth(**changes))).json()["campaign_id"]
    assert (await api.post(f"/v1/campaigns/{campaign_id}/held", json=HELD)).status_code == 200
    return campaign_id


async def _parked(svc: Campaigns) -> int:
    async with svc.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(parked_events))).scalar() or 0)


async def test_registrations_and_payments_are_attributed_to_their_campaign(
    stack: Stack, campaigns: Campaigns, topic_prefix: str
) -> None:
    async with await client_for(campaigns, branches=["denpasar"]) as api:
        booth = await _held_booth(api)
        other = await _held_booth(api, name="Market day")
        a = registered(booth)
        b = registered(booth, village=UBUNG_KAJA, segment="driver")
        elsewhere, walk_in = registered(other), registered(None)
        events = [a, b, elsewhere, walk_in]
        events += [
            paid(a, first="2017-08", months=3, through="2017-10", on=date(2017, 8, 14), campaign_id=booth)
        ]
        await publish(stack, topic_prefix, [(str(uuid4()), e) for e in events])
        await _wait_applied(campaigns, len(events))

        card = await _scorecard(api, booth)
        assert (card["registrations"], card["attainment"]) == (2, 0.25)
        assert card["by_village"] == {"51.71.01.1003": 1, UBUNG_KAJA: 1}
        assert card["by_segment"] == {"driver": 1, "street_vendor": 1}
        assert (card["paid_once"], card["paid_once_share"]) == (1, 0.5)
        assert (card["contributions"], card["amount"]) == (1, 50_400)
        assert card["by_payer"] == {"self": {"payments": 1, "amount": 50_400}}
        assert (await _scorecard(api, other))["registrations"] == 1


async def test_duplicates_redeliveries_and_replays_change_nothing(
    stack: Stack, campaigns: Campaigns, database: str, topic_prefix: str
) -> None:
    async with await client_for(campaigns, branches=["denpasar"]) as api:
        booth = await _held_booth(api)
        a = registered(booth)
        pay = paid(a, first="2017-08", months=1, through="2017-08", on=date(2017, 8, 14), campaign_id=booth)
        same_id = str(uuid4())
        # The same event twice (a producer retry) and the same entity under a new event id (a resend).
        events = [(same_id, a), (same_id, a), (str(uuid4()), a), (str(uuid4()), pay), (str(uuid4()), pay)]
        await publish(stack, topic_prefix, events)
        await _wait_applied(campaigns, len(events))
        before = await _scorecard(api, booth)
        assert (before["registrations"], before["contributions"], before["amount"]) == (1, 1, 16_800)

        replay = await started_campaigns(
            stack, database, topic_prefix, consumer_group=f"{topic_prefix}replay", run_relay=False
        )
        try:
            await _wait_applied(replay, len(events))
        finally:
            await replay.stop()
        assert await _scorecard(api, booth) == before


async def test_an_event_that_arrives_before_its_campaign_is_parked_then_applied(
    stack: Stack, campaigns: Campaigns, topic_prefix: str
) -> None:
    campaign_id = uuid4()  # chosen offline by the field team, synced after the registrations
    early = registered(campaign_id)
    payment = paid(
        early, first="2017-08", months=1, through="2017-08", on=date(2017, 8, 14), campaign_id=campaign_id
    )
    await publish(stack, topic_prefix, [(str(uuid4()), early), (str(uuid4()), payment)])

    async def parked() -> int:
        return await _parked(campaigns)

    await eventually(parked, until=lambda n: n == 2, what="two parked events")
    async with await client_for(campaigns, branches=["denpasar"]) as api:
        planned = await api.post("/v1/campaigns", json=sesetan_booth(campaign_id=str(campaign_id)))
        assert planned.status_code == 201, planned.text
        card = await _scorecard(api, str(campaign_id))
        assert (card["registrations"], card["paid_once"], card["amount"]) == (1, 1, 16_800)
        assert await _parked(campaigns) == 0
        metrics = (await api.get("/metrics")).text
    assert "jangkau_campaigns_events_parked_total 2.0" in metrics


async def test_a_parked_event_whose_campaign_never_arrives_is_dead_lettered_with_the_reason(
    stack: Stack, database: str, topic_prefix: str
) -> None:
    svc = await started_campaigns(stack, database, topic_prefix, parked_ttl_seconds=0.5)
    try:
        orphan_campaign = uuid4()
        await publish(stack, topic_prefix, [(str(uuid4()), registered(orphan_campaign))])
        dlq = dead_letter_topic(f"{topic_prefix}{topics.WORKER_REGISTERED}")
        records = await read_topic(stack, dlq, at_least=1)
        assert len(records) == 1
        headers = {name: value.decode() for name, value in records[0].headers}
        assert str(orphan_campaign) in headers["jangkau_dlq_reason"]
        assert (
            "still unknown to the campaigns service 0.5 seconds after parking"
            in headers["jangkau_dlq_reason"]
        )
        assert headers["ce_type"] == "id.jangkau.bpu.worker.registered.v1"
        assert await _parked(svc) == 0
        assert svc.stats.expired_total == 1
    finally:
        await svc.stop()


async def test_events_that_cannot_be_applied_are_dead_lettered_and_the_rest_go_on(
    stack: Stack, campaigns: Campaigns, topic_prefix: str
) -> None:
    async with await client_for(campaigns, branches=["denpasar"]) as api:
        booth = await _held_booth(api)
        good = registered(booth)
        inconsistent = paid(good, first="2017-08", months=3, through="2017-08", on=date(2017, 8, 14))
        await publish(stack, topic_prefix, [(str(uuid4()), good), (str(uuid4()), inconsistent)])
        producer = AIOKafkaProducer(bootstrap_servers=stack.kafka)
        await producer.start()
        try:
            await producer.send_and_wait(f"{topic_prefix}{topics.CONTRIBUTION_PAID}", b"not json", key=b"x")
            # Malformed JSON that claims to be JSON: must be dead-lettered, not retried forever.
            claims_json = build_headers(
                event_id=str(uuid4()),
                source="/test",
                ce_type=spec_for_model(ContributionPaidV1).type,
                time=datetime.now(UTC),
            )
            await producer.send_and_wait(
                f"{topic_prefix}{topics.CONTRIBUTION_PAID}", b"{broken", key=b"y", headers=claims_json
            )
        finally:
            await producer.stop()
        dlq = dead_letter_topic(f"{topic_prefix}{topics.CONTRIBUTION_PAID}")
        records = await read_topic(stack, dlq, at_least=3)
        reasons = sorted(dict(r.headers)["jangkau_dlq_reason"].decode() for r in records)
        assert len(reasons) == 3
        assert "paid_through 2017-08 is before the last month it covers (2017-10)" in reasons[0]
        assert "missing CloudEvents headers" in reasons[1]
        assert "value is not JSON" in reasons[2]
        assert (await _scorecard(api, booth))["registrations"] == 1
        metrics = (await api.get("/metrics")).text
    paid_topic = f"{topic_prefix}{topics.CONTRIBUTION_PAID}"
    assert f'jangkau_campaigns_events_dead_lettered_total{{topic="{paid_topic}"}} 3.0' in metrics


async def test_retention_90_days_after_the_sesetan_booth_matches_the_hand_count(
    stack: Stack, campaigns: Campaigns, topic_prefix: str
) -> None:
    async with await client_for(campaigns, branches=["denpasar"]) as api:
        booth = await _held_booth(api)  # held 13-17 Aug 2017: day 30 is 16 Sep, day 90 is 15 Nov
        a, b, c, d = (registered(booth) for _ in range(4))
        events = [
            a,
            b,
            c,
            d,
            # a: twelve months at the booth, paid through Jul 2018: active on both days.
            paid(a, first="2017-08", months=12, through="2018-07", on=date(2017, 8, 14), campaign_id=booth),
            # b: August at the booth, September on 10 Sep, then nothing until arrears on 20 Nov:
            # active on 16 Sep (September paid), not on 15 Nov (October due, unpaid on that day).
            paid(b, first="2017-08", months=1, through="2017-08", on=date(2017, 8, 14), campaign_id=booth),
            paid(b, first="2017-09", months=1, through="2017-09", on=date(2017, 9, 10)),
            paid(b, first="2017-10", months=3, through="2017-12", on=date(2017, 11, 20)),
            # c: three months through Oct 2017: on 15 Nov November is not due yet, so still active.
            paid(
                c,
                first="2017-08",
                months=3,
                through="2017-10",
                on=date(2017, 8, 15),
                payer="village_fund",
                campaign_id=booth,
            ),
            # d: registered, never paid.
        ]
        await publish(stack, topic_prefix, [(str(uuid4()), e) for e in events])
        await _wait_applied(campaigns, len(events))

        card = await _scorecard(api, booth, as_of="2018-01-01")
        retention = {r["days_after_end"]: r for r in card["retention"]}
        assert (retention[90]["day"], retention[90]["active"], retention[90]["base"]) == ("2017-11-15", 2, 4)
        assert retention[90]["share"] == 0.5
        assert (retention[30]["day"], retention[30]["active"], retention[30]["share"]) == (
            "2017-09-16",
            3,
            0.75,
        )
        assert (card["paid_once"], card["paid_once_share"]) == (3, 0.75)
        assert card["by_payer"] == {
            "self": {"payments": 2, "amount": 16_800 * 13},
            "village_fund": {"payments": 1, "amount": 16_800 * 3},
        }
        early = await _scorecard(api, booth, as_of="2017-10-01")
        assert [r["measured"] for r in early["retention"]] == [True, False]

        board = (
            await api.get("/v1/leaderboard", params={"branch": "denpasar", "as_of": "2018-01-01"})
        ).json()
        assert board["standings"][0]["campaign_id"] == booth
        assert board["standings"][0]["active_90_share"] == 0.5


async def test_a_database_outage_is_retried_and_never_dead_lettered(
    stack: Stack, campaigns: Campaigns, topic_prefix: str
) -> None:
    async with campaigns.engine.begin() as conn:
        await conn.execute(text("ALTER TABLE payments RENAME TO payments_away"))
    who = registered(None)
    payment = paid(who, first="2017-08", months=1, through="2017-08", on=date(2017, 8, 14))
    await publish(stack, topic_prefix, [(str(uuid4()), payment)])

    async def failures() -> int:
        return campaigns.stats.transient_failures

    await eventually(failures, until=lambda n: n >= 1, what="a failed, unacknowledged batch")
    async with campaigns.engine.begin() as conn:
        await conn.execute(text("ALTER TABLE payments_away RENAME TO payments"))
    await _wait_applied(campaigns, 1)

    async def stored() -> int:
        async with campaigns.engine.connect() as conn:
            query = text("SELECT count(*) FROM payments WHERE contribution_id = :id")
            return int((await conn.execute(query, {"id": payment.contribution_id})).scalar() or 0)

    assert await eventually(stored, until=lambda n: n == 1, what="the redelivered payment") == 1
    dlq = dead_letter_topic(f"{topic_prefix}{topics.CONTRIBUTION_PAID}")
    assert await read_topic(stack, dlq, at_least=1, timeout=2) == []
