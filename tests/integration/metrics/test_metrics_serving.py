"""What the metrics service serves: dead letters, states moving with time, JSON API, valid /metrics."""

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator
from datetime import date
from uuid import UUID, uuid4

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from metrics_kit import (
    ADMIN_TOKEN,
    AT,
    Clock,
    Factory,
    payment,
    producer_fixture,  # noqa: F401
    publish,
    registration,
    settings_for,
    settle,
    start_metrics,
    states,
    value,
)

from jangkau_metrics.bootstrap import Metrics
from jangkau_metrics.entrypoints.http import create_app
from jangkau_shared import topics
from jangkau_shared.envelope import build_headers
from jangkau_shared.events import CampaignHeldV1, CampaignKind, CampaignPlannedV1, PayerType
from jangkau_shared.observability import render
from support import Stack

pytestmark = pytest.mark.integration

REGISTERED_TYPE = "id.jangkau.bpu.worker.registered.v1"


@pytest.fixture
def clock() -> Clock:
    return Clock(date(2017, 11, 15))


@pytest.fixture
async def metrics(
    stack: Stack, new_database: Factory, topic_prefix: str, clock: Clock
) -> AsyncIterator[Metrics]:
    settings = settings_for(stack, database_url=await new_database(), topic_prefix=topic_prefix)
    svc = await start_metrics(settings, clock)
    yield svc
    await svc.stop()


def _client(metrics: Metrics) -> httpx.AsyncClient:
    app = create_app(metrics, run_consumers=False)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_events_that_cannot_be_applied_are_dead_lettered_with_a_reason_and_the_rest_applied(
    metrics: Metrics, producer: AIOKafkaProducer, topic_prefix: str, stack: Stack
) -> None:
    registered = f"{topic_prefix}{topics.WORKER_REGISTERED}"
    good_headers = build_headers(event_id=str(uuid4()), source="/test", ce_type=REGISTERED_TYPE, time=AT)
    good_value = orjson.dumps(registration(uuid4()).model_dump(mode="json"))
    unknown = build_headers(event_id=str(uuid4()), source="/test", ce_type="id.jangkau.bpu.nope.v1", time=AT)
    bad = [
        (good_headers, b"{not json"),
        (unknown, good_value),
        (good_headers, orjson.dumps({"participant_id": str(uuid4())})),
        ([h for h in good_headers if h[0] != "ce_id"], good_value),
    ]
    for headers, body in bad:
        await producer.send_and_wait(registered, body, key=b"k", headers=headers)
    await publish(producer, topic_prefix, [payment(uuid4(), first="2017-08", months=3, through="2017-09")])
    await publish(producer, topic_prefix, [registration(uuid4())])

    await settle(
        metrics,
        applied=1,
        what="good event applied",
        check=lambda: sum(metrics.stats.dead_lettered.values()) == 5,
    )
    assert states(metrics)["registered"] == 1
    assert value(metrics, "jangkau_events_dead_lettered_total", topic=registered) == 4
    reasons = await _dead_letter_reasons(stack, registered, 4)
    assert any("not JSON" in r for r in reasons)
    assert any("unknown ce_type" in r for r in reasons)
    assert any("does not match" in r for r in reasons)
    assert any("missing CloudEvents headers: ce_id" in r for r in reasons)
    paid_reasons = await _dead_letter_reasons(stack, f"{topic_prefix}{topics.CONTRIBUTION_PAID}", 1)
    assert "paid_through 2017-09 is before the last month covered" in paid_reasons[0]


async def _dead_letter_reasons(stack: Stack, topic: str, n: int) -> list[str]:
    consumer = AIOKafkaConsumer(
        topics.dead_letter_topic(topic), bootstrap_servers=stack.kafka, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        found: list[str] = []
        for _ in range(20):
            batch = await consumer.getmany(timeout_ms=1000)
            found += [dict(r.headers)["jangkau_dlq_reason"].decode() for rs in batch.values() for r in rs]
            if len(found) >= n:
                break
        return found
    finally:
        await consumer.stop()


async def test_participants_move_from_active_to_arrears_to_lapsed_as_days_pass_without_events(
    metrics: Metrics, producer: AIOKafkaProducer, topic_prefix: str, clock: Clock
) -> None:
    pid = uuid4()
    await publish(producer, topic_prefix, [registration(pid), payment(pid, through="2017-10")])
    await settle(metrics, applied=2, what="participant paid through October 2017")

    expected = {
        date(2017, 11, 15): "active",
        date(2017, 11, 16): "arrears_1",
        date(2017, 12, 16): "arrears_2",
        date(2018, 1, 16): "arrears_3",
        date(2018, 2, 15): "arrears_3",
        date(2018, 2, 16): "lapsed",
    }
    for day, state in expected.items():
        clock.today = day
        assert states(metrics) == {"registered": 1, state: 1}, day

    async with _client(metrics) as api:
        past = (await api.get("/v1/coverage", params={"as_of": "2017-11-16"})).json()
    assert past["rows"] == [
        {
            "key": "denpasar",
            "registered": 1,
            "never_paid": 0,
            "active": 0,
            "arrears_1": 1,
            "arrears_2": 0,
            "arrears_3": 0,
            "lapsed": 0,
        }
    ]


async def test_a_past_day_shows_what_was_true_then_and_a_future_day_today_moving_with_time(
    metrics: Metrics, clock: Clock, producer: AIOKafkaProducer, topic_prefix: str
) -> None:
    pid = uuid4()
    later = payment(pid, first="2017-11", months=3, through="2018-01", on=date(2017, 12, 1))
    await publish(producer, topic_prefix, [registration(pid), payment(pid, through="2017-10"), later])
    await settle(metrics, applied=3, what="two payments applied")
    clock.today = date(2018, 2, 1)  # both payments made by now

    async with _client(metrics) as api:

        async def states_on(day: str, by: str = "branch") -> dict[str, int]:
            params = {"as_of": day, "by": by, "branch": "denpasar"}
            report = (await api.get("/v1/coverage", params=params)).json()
            assert report["as_of"] == day
            [row] = report["rows"] or [{"key": "-"}]
            return {k: v for k, v in row.items() if k != "key" and v}

        assert await states_on("2017-08-12") == {}  # before the registration
        assert await states_on("2017-11-20") == {"registered": 1, "arrears_1": 1}  # December's not paid yet
        assert await states_on("2017-12-01") == {"registered": 1, "active": 1}
        assert await states_on("2017-11-20", by="village") == {"registered": 1, "arrears_1": 1}
        assert await states_on("2018-02-01", by="village") == {"registered": 1, "active": 1}
        assert await states_on("2018-03-16") == {"registered": 1, "arrears_2": 1}  # a future day


async def test_the_json_api_reports_coverage_campaigns_series_and_settable_targets(
    metrics: Metrics, producer: AIOKafkaProducer, topic_prefix: str
) -> None:
    booth = uuid4()
    people = [uuid4() for _ in range(3)]
    plan = CampaignPlannedV1(
        campaign_id=booth,
        branch="denpasar",
        name="Sesetan Karnaval 2017 booth",
        kind=CampaignKind.FESTIVAL_BOOTH,
        village_codes=["51.71.01.1003"],
        place="Lapangan Pegok",
        starts_on=date(2017, 8, 13),
        ends_on=date(2017, 8, 17),
        partners=["Kelurahan Sesetan"],
        target_registrations=500,
        target_first_payments=300,
        planned_at=AT,
    )
    held = held_booth(booth)
    await publish(producer, topic_prefix, [held, plan])  # held arrives first: order is not assumed
    await publish(producer, topic_prefix, [*(registration(p, campaign=booth) for p in people)])
    await publish(producer, topic_prefix, [payment(people[0], payer=PayerType.VILLAGE_FUND, campaign=booth)])
    await settle(metrics, applied=6, what="campaign and participants applied")

    async with _client(metrics) as api:
        villages = (await api.get("/v1/coverage", params={"by": "village", "branch": "denpasar"})).json()
        regions = (await api.get("/v1/regions")).json()
        scorecard = (await api.get("/v1/campaigns")).json()
        series = (await api.get("/v1/timeseries", params={"from": "2017-08-01", "to": "2017-08-31"})).json()
        anonymous = await api.put("/v1/targets/denpasar/2017", json={"participants": 1})
        api.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        put = await api.put("/v1/targets/denpasar/2017", json={"participants": 6, "measure": "registered"})
        bad = await api.put("/v1/targets/denpasar/2017", json={"participants": -1})
        listed = (await api.get("/v1/targets", params={"year": 2017})).json()
        schema = (await api.get("/openapi.json")).json()

    assert anonymous.status_code == 401
    assert villages["rows"][0]["key"] == "51.71.01.1003"
    assert villages["rows"][0]["registered"] == 3
    banten = next(r for r in regions if r["key"] == "banten")
    assert banten["informal_workforce"] == 3_036_730
    [card] = scorecard
    assert (card["status"], card["name"], card["headcount"]) == ("held", "Sesetan Karnaval 2017 booth", 1200)
    assert (card["registered"], card["first_payments"], card["active"], card["contributions"]) == (3, 1, 1, 1)
    assert series == [
        {"branch": "denpasar", "day": "2017-08-13", "registrations": 3, "contributions": 1, "rupiah": 50_400}
    ]
    assert put.status_code == 200, put.text
    assert put.json()["achieved"] == 0.5
    assert bad.status_code == 422
    assert listed == [put.json()]
    assert "/v1/targets/{branch}/{year}" in schema["paths"]
    assert (
        value(
            metrics,
            "jangkau_branch_target_participants",
            branch="denpasar",
            year="2017",
            measure="registered",
        )
        == 6
    )
    assert value(metrics, "jangkau_campaign_participants", campaign_id=str(booth), state="active") == 1


async def test_the_metrics_page_passes_promtool_check_metrics(
    metrics: Metrics, producer: AIOKafkaProducer, topic_prefix: str
) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (Debian package prometheus)")
    pid = uuid4()
    await publish(producer, topic_prefix, [registration(pid), payment(pid)])
    await settle(metrics, applied=2, what="events applied", check=lambda: bool(metrics.stats.lag))
    page = render(metrics.registry)
    assert b"jangkau_consumer_lag_events{" in page
    checked = await asyncio.to_thread(
        subprocess.run, [promtool, "check", "metrics"], input=page, capture_output=True, check=False
    )
    assert checked.returncode == 0, checked.stdout.decode() + checked.stderr.decode()


async def test_lag_is_measured_for_both_consumer_groups_and_falls_to_zero(
    metrics: Metrics, producer: AIOKafkaProducer, topic_prefix: str
) -> None:
    booth, pid = uuid4(), uuid4()
    await publish(producer, topic_prefix, [held_booth(booth), registration(pid, campaign=booth)])
    held_topic = metrics.settings.topic(topics.CAMPAIGN_HELD)
    registered_topic = metrics.settings.topic(topics.WORKER_REGISTERED)

    def caught_up() -> bool:
        lag = metrics.stats.lag
        seen = {topic for topic, _ in lag}
        return {held_topic, registered_topic} <= seen and not any(lag.values())

    # A campaign topic measured under the participants' group would stay at lag 1 here.
    await settle(metrics, applied=2, what="lag of every topic at 0", check=caught_up)
    assert value(metrics, "jangkau_consumer_lag_events", topic=held_topic, partition="0") == 0


def held_booth(booth: UUID) -> CampaignHeldV1:
    """The Sesetan Karnaval booth, held over the festival's five days."""
    return CampaignHeldV1(
        campaign_id=booth,
        branch="denpasar",
        held_from=date(2017, 8, 13),
        held_to=date(2017, 8, 17),
        headcount=1200,
        held_at=AT,
    )
