"""Targets set and deleted through the use cases: configured branches only, deletions reach every view."""

from collections.abc import Awaitable, Callable
from functools import partial

import pytest
from metrics_fakes import FakeCoverageStore

from jangkau_metrics import service
from jangkau_metrics.adapters.plan_file import read_plan
from jangkau_metrics.domain import reports
from jangkau_metrics.domain.snapshot import Snapshot
from jangkau_metrics.domain.targets import DeletedTarget, Plan, Target, TargetNotFound, UnknownBranch
from jangkau_metrics.domain.view import View
from jangkau_shared.places import ReferencePlaces

BRANCHES = ReferencePlaces()


def _view() -> View:
    """A view as an instance starts it: the packaged plan (coverage.toml), before the store's rows."""
    return View(Snapshot(plan=read_plan()))


def _reads(store: FakeCoverageStore, view: View) -> Callable[[], Awaitable[None]]:
    """The view's own read of the store, as an instance's ``refresh`` is."""
    return partial(service.refresh_view, store=store, view=view)


def _served(view: View, year: int) -> dict[str, int]:
    return {row.branch: row.target for row in reports.targets(view.snapshot, year=year)}


async def test_a_target_for_a_mistyped_branch_is_refused_naming_it_and_the_branch_meant() -> None:
    store, view = FakeCoverageStore(), _view()
    with pytest.raises(UnknownBranch) as refused:
        await service.set_target(
            Target("rangkasbitng", 2026, 1200), branches=BRANCHES, store=store, refresh=_reads(store, view)
        )
    assert refused.value.branch == "rangkasbitng"
    assert "did you mean 'rangkasbitung'?" in refused.value.reason
    assert store.saved_targets == {}
    assert _served(view, 2026) == {}


async def test_a_branch_nothing_resembles_is_refused_listing_the_configured_offices() -> None:
    store, view = FakeCoverageStore(), _view()
    with pytest.raises(UnknownBranch) as refused:
        await service.set_target(
            Target("atlantis", 2026, 1), branches=BRANCHES, store=store, refresh=_reads(store, view)
        )
    assert "known: cilegon, denpasar" in refused.value.reason  # branch offices: no sub-branch


async def test_a_sub_branch_target_is_refused_pointing_at_the_office_its_participants_count_under() -> None:
    store, view = FakeCoverageStore(), _view()
    with pytest.raises(UnknownBranch) as refused:
        await service.set_target(
            Target("malingping", 2026, 300), branches=BRANCHES, store=store, refresh=_reads(store, view)
        )
    assert "sub-branch (KCP) of rangkasbitung" in refused.value.reason
    assert store.saved_targets == {}
    assert _served(view, 2026) == {}


async def test_a_deleted_target_leaves_the_instance_that_deleted_it_and_one_that_follows() -> None:
    store, deleting, following = FakeCoverageStore(), _view(), _view()
    await service.set_target(
        Target("rangkasbitung", 2026, 1200), branches=BRANCHES, store=store, refresh=_reads(store, deleting)
    )
    await service.refresh_view(store=store, view=following)
    assert _served(following, 2026) == {"rangkasbitung": 1200}

    await service.delete_target(
        "rangkasbitung", 2026, store=store, view=deleting, refresh=_reads(store, deleting)
    )
    await service.refresh_view(store=store, view=following)

    assert _served(deleting, 2026) == _served(following, 2026) == {}


async def test_a_packaged_target_can_be_deleted_and_stays_deleted_for_an_instance_started_later() -> None:
    store, view = FakeCoverageStore(), _view()
    await service.delete_target("denpasar", 2017, store=store, view=view, refresh=_reads(store, view))
    later = _view()
    assert _served(later, 2017) == {"denpasar": 22_964}  # the packaged plan, before the store is read
    await service.refresh_view(store=store, view=later)
    assert _served(later, 2017) == {}


async def test_deleting_a_target_that_is_not_set_is_not_found_and_changes_nothing() -> None:
    store, view = FakeCoverageStore(), _view()
    with pytest.raises(TargetNotFound, match="rangkasbitung"):
        await service.delete_target(
            "rangkasbitung", 2026, store=store, view=view, refresh=_reads(store, view)
        )
    assert store.saved_targets == {}


async def test_a_junk_target_stored_before_branches_were_checked_can_be_deleted() -> None:
    store, view = FakeCoverageStore(), _view()
    await store.save_target(Target("rangkasbitng", 2026, 1200))  # as the trial left it
    await service.delete_target("rangkasbitng", 2026, store=store, view=view, refresh=_reads(store, view))
    assert _served(view, 2026) == {}


async def test_a_target_set_again_after_its_deletion_is_served_again() -> None:
    store, view = FakeCoverageStore(), _view()
    await service.set_target(
        Target("jambi", 2026, 5), branches=BRANCHES, store=store, refresh=_reads(store, view)
    )
    await service.delete_target("jambi", 2026, store=store, view=view, refresh=_reads(store, view))
    await service.set_target(
        Target("jambi", 2026, 7), branches=BRANCHES, store=store, refresh=_reads(store, view)
    )
    assert _served(view, 2026) == {"jambi": 7}


def test_a_plan_drops_a_deleted_target_and_keeps_the_others() -> None:
    plan = Plan(
        (), {("jambi", 2018): Target("jambi", 2018, 36_000), ("denpasar", 2017): Target("denpasar", 2017, 1)}
    )
    assert set(plan.with_target(DeletedTarget("jambi", 2018)).targets) == {("denpasar", 2017)}
    assert plan.with_target(DeletedTarget("jambi", 2030)).targets == plan.targets
