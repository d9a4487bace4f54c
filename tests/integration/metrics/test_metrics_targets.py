"""Targets on the real database: a deleted one leaves every instance's view, unknown branches are refused."""

from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest
from metrics_kit import ADMIN_TOKEN, Clock, Factory, settings_for, store_fixture, value  # noqa: F401

from jangkau_metrics import service
from jangkau_metrics.adapters.plan_file import read_plan
from jangkau_metrics.adapters.sql import SqlCoverageStore
from jangkau_metrics.bootstrap import MIGRATIONS, Metrics, bootstrap
from jangkau_metrics.domain.snapshot import Snapshot
from jangkau_metrics.domain.targets import Target
from jangkau_metrics.domain.view import View
from jangkau_metrics.entrypoints.http import create_app
from jangkau_shared import db
from support import Stack

pytestmark = pytest.mark.integration

RANGKASBITUNG_2026 = ("rangkasbitung", 2026)
DENPASAR_2017 = ("denpasar", 2017)  # a target of the packaged plan (coverage.toml)
TARGET = "jangkau_branch_target_participants"


async def _view(store: SqlCoverageStore) -> View:
    """A view as a metrics instance starting now builds it: the packaged plan, then every row."""
    view = View(Snapshot(plan=read_plan()))
    await service.refresh_view(store=store, view=view)
    return view


async def test_a_deleted_target_leaves_views_that_follow_and_views_that_start_afterwards(
    store: SqlCoverageStore,
) -> None:
    following = await _view(store)
    await store.save_target(Target(*RANGKASBITUNG_2026, 1200))
    await service.refresh_view(store=store, view=following)
    assert RANGKASBITUNG_2026 in following.snapshot.plan.targets

    await store.delete_target(*RANGKASBITUNG_2026)
    await store.delete_target(*DENPASAR_2017)
    await service.refresh_view(store=store, view=following)
    starting = await _view(store)

    for view in (following, starting):
        assert RANGKASBITUNG_2026 not in view.snapshot.plan.targets
        assert DENPASAR_2017 not in view.snapshot.plan.targets
        assert ("jambi", 2018) in view.snapshot.plan.targets  # the others stay

    await store.save_target(Target(*RANGKASBITUNG_2026, 900, "new_registrations"))  # set again
    await service.refresh_view(store=store, view=following)
    assert following.snapshot.plan.targets[RANGKASBITUNG_2026] == Target(
        *RANGKASBITUNG_2026, 900, "new_registrations"
    )


@pytest.fixture
async def instances(stack: Stack, new_database: Factory, topic_prefix: str) -> AsyncIterator[list[Metrics]]:
    """Two metrics instances on one database, serving HTTP without consuming (no Kafka needed)."""
    settings = settings_for(stack, database_url=await new_database(), topic_prefix=topic_prefix)
    both = [bootstrap(settings, clock=Clock(date(2026, 12, 7))) for _ in range(2)]
    try:
        await db.upgrade(both[0].engine, MIGRATIONS)
        for svc in both:
            await svc.refresh()
        yield both
    finally:
        for svc in both:
            await svc.engine.dispose()


def _client(metrics: Metrics, *, admin: bool = True) -> httpx.AsyncClient:
    app = create_app(metrics, run_consumers=False)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"} if admin else {}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers)


async def test_a_target_of_an_unknown_branch_is_refused_naming_the_field_and_the_value(
    instances: list[Metrics],
) -> None:
    first, _ = instances
    async with _client(first) as api:
        typo = await api.put("/v1/targets/rangkasbitng/2026", json={"participants": 1200})
        listed = (await api.get("/v1/targets", params={"year": 2026})).json()

    assert (typo.status_code, typo.headers["content-type"]) == (422, "application/problem+json")
    [error] = typo.json()["errors"]
    assert (error["field"], error["value"]) == ("branch", "rangkasbitng")
    assert "rangkasbitung" in error["reason"]  # the branch it probably meant
    assert listed == []
    assert value(first, TARGET, branch="rangkasbitng", year="2026", measure="registered") == 0


async def test_a_deleted_target_leaves_the_list_and_the_metrics_of_every_instance(
    instances: list[Metrics],
) -> None:
    first, second = instances
    labels = {"branch": "rangkasbitung", "year": "2026", "measure": "registered"}
    async with _client(first) as api:
        put = await api.put("/v1/targets/rangkasbitung/2026", json={"participants": 1200})
        await second.refresh()
        assert value(second, TARGET, **labels) == 1200
        async with _client(first, admin=False) as anonymous:
            assert (await anonymous.delete("/v1/targets/rangkasbitung/2026")).status_code == 401
        deleted = await api.delete("/v1/targets/rangkasbitung/2026")
        again = await api.delete("/v1/targets/rangkasbitung/2026")
        listed = (await api.get("/v1/targets", params={"year": 2026})).json()
    await second.refresh()

    assert put.status_code == 200, put.text
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert again.status_code == 404
    assert again.headers["content-type"] == "application/problem+json"
    assert listed == []
    assert value(first, TARGET, **labels) == 0
    assert value(second, TARGET, **labels) == 0


async def test_a_junk_target_stored_before_branches_were_checked_can_be_deleted(
    instances: list[Metrics],
) -> None:
    first, _ = instances
    await first.store.save_target(Target("rangkasbitng", 2026, 1200))  # as the trial left it
    await first.refresh()
    async with _client(first) as api:
        deleted = await api.delete("/v1/targets/rangkasbitng/2026")
        listed = (await api.get("/v1/targets", params={"year": 2026})).json()

    assert deleted.status_code == 204, deleted.text
    assert listed == []


async def test_the_openapi_document_lists_the_delete_route_and_its_problems(instances: list[Metrics]) -> None:
    async with _client(instances[0]) as api:
        document = (await api.get("/openapi.json")).json()
    route = document["paths"]["/v1/targets/{branch}/{year}"]
    assert {"put", "delete"} <= set(route)
    assert {"204", "401", "403", "404"} <= set(route["delete"]["responses"])
    assert "422" in route["put"]["responses"]
