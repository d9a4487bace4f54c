"""Use cases through a hand-written in-memory store: what a batch commits, counts, and what a read sees."""

from collections import Counter
from dataclasses import replace
from datetime import date
from uuid import uuid4

from metrics_fakes import FakeCoverageStore, decoded, payment, registration, served

from jangkau_metrics import service
from jangkau_metrics.domain import reports
from jangkau_metrics.domain.reports import Grouping
from jangkau_metrics.domain.snapshot import Snapshot
from jangkau_metrics.domain.view import View

VILLAGE_FUND = ("jambi", "village_fund")


def _by_branch(snapshot: Snapshot, day: date) -> dict[str, int]:
    return _totals(snapshot, day, "branch")


def _totals(snapshot: Snapshot, day: date, by: Grouping) -> dict[str, int]:
    """Every row's non-zero figures added up (the groups' sum is the same whatever the grouping)."""
    totals: Counter[str] = Counter()
    for row in reports.coverage(snapshot, day=day, by=by):
        totals.update({k: v for k, v in vars(row).items() if k != "key" and v})
    return dict(totals)


async def test_one_batch_holding_the_same_contribution_twice_counts_it_once() -> None:
    store, pid, cid = FakeCoverageStore(), uuid4(), uuid4()
    events = [decoded(registration(pid)), decoded(payment(pid, cid)), decoded(payment(pid, cid))]

    outcome = await service.apply_participant_events(events, store=store)

    counts, amounts = (await served(store)).ledger.by_branch_payer()
    assert (counts[VILLAGE_FUND], amounts[VILLAGE_FUND]) == (1, 50_400)
    assert outcome.without_effect["bpu.contribution.paid.v1"] == 1


async def test_a_redelivered_batch_changes_no_count_and_is_reported_without_effect() -> None:
    store, pid = FakeCoverageStore(), uuid4()
    events = [decoded(registration(pid)), decoded(payment(pid, uuid4()))]
    await service.apply_participant_events(events, store=store)
    rows = (dict(store.cells), dict(store.years), dict(store.totals), dict(store.days))

    again = await service.apply_participant_events(events, store=store)

    assert (dict(store.cells), dict(store.years), dict(store.totals), dict(store.days)) == rows
    assert sum(again.without_effect.values()) == 2


async def test_counts_are_kept_per_kafka_partition_and_served_summed() -> None:
    store, first, second = FakeCoverageStore(), uuid4(), uuid4()
    on_0 = decoded(registration(first))
    on_3 = decoded(registration(second))
    on_3 = on_3._replace(record=replace(on_3.record, partition=3))  # type: ignore[type-var]

    await service.apply_participant_events([on_0, on_3], store=store)

    assert {part for part, *_ in store.cells} == {0, 3}
    assert _by_branch(await served(store), date(2018, 3, 1)) == {"registered": 2, "never_paid": 2}


async def test_a_view_reading_the_same_rows_again_moves_no_count() -> None:
    store, view = FakeCoverageStore(), View(Snapshot())
    await service.apply_participant_events([decoded(registration(uuid4()))], store=store)
    await served(store, view)

    await served(store, view)
    await served(store, view)

    assert _by_branch(view.snapshot, date(2018, 3, 1)) == {"registered": 1, "never_paid": 1}
    assert store.reads == 3


async def test_a_past_day_counts_only_who_had_registered_and_what_was_paid_by_then() -> None:
    store, view, early, late = FakeCoverageStore(), View(Snapshot()), uuid4(), uuid4()
    events = [
        decoded(registration(early)),
        decoded(payment(early, uuid4())),  # paid on 2018-03-01, through 2018-05
        decoded(registration(late).model_copy(update={"registered_on": date(2018, 7, 1)})),
    ]
    await service.apply_participant_events(events, store=store)
    await served(store, view)

    async def on(day: date, by: Grouping) -> dict[str, int]:
        counts = await service.counts_on(
            day, today=date(2026, 12, 7), by=by, branch=None, store=store, view=view
        )
        return _totals(counts, day, by)

    for by in ("branch", "region", "segment", "village"):  # the standing moves, then the participants
        assert await on(date(2018, 2, 28), by) == {}, by
        assert await on(date(2018, 3, 1), by) == {"registered": 1, "active": 1}, by
        assert await on(date(2018, 6, 15), by) == {"registered": 1, "active": 1}, by
        assert await on(date(2018, 7, 1), by) == {"registered": 2, "arrears_1": 1, "never_paid": 1}, by


async def test_today_and_later_days_are_answered_by_the_view_without_asking_the_store() -> None:
    store, view = FakeCoverageStore(), View(Snapshot())
    today = date(2026, 12, 7)
    for day in (today, date(2027, 1, 1)):
        counts = await service.counts_on(day, today=today, by="segment", branch=None, store=store, view=view)
        assert counts is view.snapshot


async def test_villages_today_and_later_are_read_from_the_village_rows_of_the_branch_asked() -> None:
    store, view, paid = FakeCoverageStore(), View(Snapshot()), uuid4()
    events = [decoded(registration(paid)), decoded(payment(paid, uuid4())), decoded(registration(uuid4()))]
    await service.apply_participant_events(events, store=store)
    store.participants.clear()  # not read: the village rows answer
    today = date(2018, 3, 1)

    for day, states in ((today, {"active": 1}), (date(2018, 7, 1), {"arrears_1": 1})):
        counts = await service.counts_on(
            day, today=today, by="village", branch="jambi", store=store, view=view
        )
        assert _totals(counts, day, "village") == {"registered": 2, "never_paid": 1} | states
    elsewhere = await service.counts_on(
        today, today=today, by="village", branch="denpasar", store=store, view=view
    )
    assert _totals(elsewhere, today, "village") == {}


async def test_a_payment_whose_months_end_after_its_paid_through_is_rejected_not_applied() -> None:
    store, pid = FakeCoverageStore(), uuid4()
    bad = payment(pid, uuid4(), through="2018-04")

    outcome = await service.apply_participant_events([decoded(bad)], store=store)

    assert [r.reason for r in outcome.rejected] == [
        f"contribution {bad.contribution_id}: paid_through 2018-04 is before the last month covered"
        " (3 months from 2018-03)"
    ]
    assert store.contributions == {}
