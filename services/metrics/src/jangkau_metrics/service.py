"""Use cases of the metrics service: fold events into the store, then into the in-memory counts."""

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import attrgetter
from typing import NamedTuple
from uuid import UUID

from jangkau_metrics.domain.campaigns import Campaign, merged
from jangkau_metrics.domain.coverage import CellKey, Change, Participant, fold
from jangkau_metrics.domain.ledger import Contribution
from jangkau_metrics.domain.months import month_index
from jangkau_metrics.domain.snapshot import Snapshot
from jangkau_metrics.domain.targets import Plan, Target
from jangkau_metrics.ports import CoverageStore
from jangkau_shared.deadletter import Decoded, Rejected
from jangkau_shared.events import (
    CampaignClosedV1,
    CampaignHeldV1,
    CampaignPlannedV1,
    ContributionPaidV1,
    EventData,
    WorkerRegisteredV1,
)

#: UUIDs in their own order (by value), compared as ints in C rather than through UUID.__lt__.
_UUID_ORDER = attrgetter("int")


@dataclass
class Outcome:
    """What one batch did: events applied per topic, those that changed nothing, those rejected."""

    applied: Counter[str] = field(default_factory=Counter)
    without_effect: Counter[str] = field(default_factory=Counter)
    rejected: list[Rejected] = field(default_factory=list)


class _Payment(NamedTuple):
    event: Decoded
    contribution: Contribution
    participant: Participant


async def apply_participant_events(
    events: Sequence[Decoded], *, store: CoverageStore, snapshot: Snapshot
) -> Outcome:
    """Apply registrations and payments in one transaction; move the counts only after it commits."""
    outcome = Outcome()
    registrations: list[tuple[Decoded, Participant]] = []
    payments: list[_Payment] = []
    for event in events:
        data = event.envelope.data
        if isinstance(data, WorkerRegisteredV1):
            registrations.append((event, registered_participant(data)))
        elif isinstance(data, ContributionPaidV1):
            problem = payment_problem(data)
            if problem:
                outcome.rejected.append(Rejected(event.record, problem))
            else:
                payments.append(_Payment(event, contribution_of(data), paying_participant(data)))
    async with store.participant_batch() as batch:
        new_ids = await batch.record_contributions([p.contribution for p in payments])
        new = list(_first_of_each(payments, new_ids))
        ids = {p.participant_id for _, p in registrations} | {p.participant.participant_id for p in new}
        current = await batch.lock(sorted(ids, key=_UUID_ORDER))
        changes = fold(
            current,
            registrations=[p for _, p in registrations],
            payments=[(p.participant, p.contribution.paid_through) for p in new],
        )
        await batch.save(changes)
    snapshot.coverage.apply(changes)
    for payment in new:
        snapshot.ledger.record(payment.contribution)
    _count_participant_outcome(outcome, registrations, payments, new_ids=new_ids, changes=changes)
    return outcome


def _first_of_each(payments: Sequence[_Payment], new_ids: set[UUID]) -> Iterator[_Payment]:
    """The payments stored just now, each once even when the batch holds it twice."""
    seen: set[UUID] = set()
    for payment in payments:
        cid = payment.contribution.contribution_id
        if cid in new_ids and cid not in seen:
            seen.add(cid)
            yield payment


def _count_participant_outcome(
    outcome: Outcome,
    registrations: Sequence[tuple[Decoded, Participant]],
    payments: Sequence[_Payment],
    *,
    new_ids: set[UUID],
    changes: Sequence[Change],
) -> None:
    first = sum(1 for c in changes if c.new.registered and not (c.old and c.old.registered))
    for event, _ in registrations:
        outcome.applied[event.record.topic] += 1
    if registrations:
        outcome.without_effect[registrations[0][0].record.topic] += len(registrations) - first
    for payment in payments:
        outcome.applied[payment.event.record.topic] += 1
    if payments:
        outcome.without_effect[payments[0].event.record.topic] += len(payments) - len(new_ids)


async def apply_campaign_events(
    events: Sequence[Decoded], *, store: CoverageStore, snapshot: Snapshot
) -> Outcome:
    """Merge campaign facts in one transaction, then show the stored campaigns."""
    outcome = Outcome()
    facts: dict[str, Campaign] = {}
    for event in events:
        fact = campaign_fact(event.envelope.data)
        known = facts.get(fact.campaign_id)
        facts[fact.campaign_id] = merged(known, fact) if known else fact
        outcome.applied[event.record.topic] += 1
    for campaign in await store.merge_campaigns(list(facts.values())):
        snapshot.campaigns[campaign.campaign_id] = campaign
    return outcome


async def load_snapshot(*, store: CoverageStore, snapshot: Snapshot) -> None:
    """Fill the in-memory counts and targets from the store (at start, before consuming)."""
    snapshot.replace(await store.load())
    snapshot.plan = reduce(Plan.with_target, await store.targets(), snapshot.plan)


async def reload_participant_counts(*, store: CoverageStore, snapshot: Snapshot) -> None:
    """Rebuild coverage and contribution counts from the store (after a batch whose commit is uncertain)."""
    fresh = await store.load()
    snapshot.coverage, snapshot.ledger = fresh.coverage, fresh.ledger


async def set_target(target: Target, *, store: CoverageStore, snapshot: Snapshot) -> None:
    """Store a branch's target for a year, then serve it."""
    await store.save_target(target)
    snapshot.plan = snapshot.plan.with_target(target)


def registered_participant(data: WorkerRegisteredV1) -> Participant:
    """The participant a registration describes."""
    campaign = str(data.campaign_id) if data.campaign_id else ""
    key = CellKey(data.branch, data.village_code, str(data.segment), campaign)
    return Participant(data.participant_id, key, registered=True, registered_on=data.registered_on)


def paying_participant(data: ContributionPaidV1) -> Participant:
    """The participant as a payment describes it (kept until its registration arrives)."""
    key = CellKey(data.branch, data.village_code, str(data.segment))
    return Participant(data.participant_id, key, registered=False)


def contribution_of(data: ContributionPaidV1) -> Contribution:
    """The contribution a payment event reports."""
    return Contribution(
        contribution_id=data.contribution_id,
        participant_id=data.participant_id,
        branch=data.branch,
        payer_type=str(data.payer_type),
        campaign_id=str(data.campaign_id) if data.campaign_id else "",
        paid_on=data.paid_on,
        amount=data.amount,
        paid_through=month_index(data.paid_through),
    )


def payment_problem(data: ContributionPaidV1) -> str | None:
    """Why a payment cannot be applied, or None (its months must end by its paid-through month)."""
    last_covered = month_index(data.first_month) + data.months - 1
    if month_index(data.paid_through) < last_covered:
        return (
            f"contribution {data.contribution_id}: paid_through {data.paid_through} is before the last "
            f"month covered ({data.months} months from {data.first_month})"
        )
    return None


def campaign_fact(data: EventData) -> Campaign:
    """What one campaign event says about its campaign."""
    if isinstance(data, CampaignPlannedV1):
        return Campaign(
            campaign_id=str(data.campaign_id),
            branch=data.branch,
            status="planned",
            name=data.name,
            kind=data.kind.value,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            target_registrations=data.target_registrations,
            target_first_payments=data.target_first_payments,
        )
    if isinstance(data, CampaignHeldV1):
        return Campaign(
            campaign_id=str(data.campaign_id),
            branch=data.branch,
            status="held",
            held_from=data.held_from,
            held_to=data.held_to,
            headcount=data.headcount,
        )
    if isinstance(data, CampaignClosedV1):
        return Campaign(campaign_id=str(data.campaign_id), branch=data.branch, status=data.outcome)
    raise TypeError(f"not a campaign event: {type(data).__name__}")
