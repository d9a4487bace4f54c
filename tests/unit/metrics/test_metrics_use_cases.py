"""Use cases through a hand-written in-memory store: what a batch commits and what it counts."""

from uuid import uuid4

from metrics_fakes import FakeCoverageStore, decoded, payment, registration

from jangkau_metrics import service
from jangkau_metrics.domain.snapshot import Snapshot


async def test_one_batch_holding_the_same_contribution_twice_counts_it_once() -> None:
    store, snapshot, pid, cid = FakeCoverageStore(), Snapshot(), uuid4(), uuid4()
    events = [decoded(registration(pid)), decoded(payment(pid, cid)), decoded(payment(pid, cid))]

    outcome = await service.apply_participant_events(events, store=store, snapshot=snapshot)

    assert snapshot.ledger.by_branch_payer[("jambi", "village_fund")] == 1
    assert snapshot.ledger.amount_by_branch_payer[("jambi", "village_fund")] == 50_400
    assert outcome.without_effect["bpu.contribution.paid.v1"] == 1
    assert snapshot.cell_by_cell() == (await store.load()).cell_by_cell()


async def test_a_redelivered_batch_changes_no_count_and_is_reported_without_effect() -> None:
    store, snapshot, pid = FakeCoverageStore(), Snapshot(), uuid4()
    events = [decoded(registration(pid)), decoded(payment(pid, uuid4()))]
    await service.apply_participant_events(events, store=store, snapshot=snapshot)
    before = snapshot.cell_by_cell()

    again = await service.apply_participant_events(events, store=store, snapshot=snapshot)

    assert snapshot.cell_by_cell() == before
    assert sum(again.without_effect.values()) == 2


async def test_a_payment_whose_months_end_after_its_paid_through_is_rejected_not_applied() -> None:
    store, snapshot, pid = FakeCoverageStore(), Snapshot(), uuid4()
    bad = payment(pid, uuid4(), through="2018-04")

    outcome = await service.apply_participant_events([decoded(bad)], store=store, snapshot=snapshot)

    assert [r.reason for r in outcome.rejected] == [
        f"contribution {bad.contribution_id}: paid_through 2018-04 is before the last month covered"
        " (3 months from 2018-03)"
    ]
    assert store.contributions == {}
