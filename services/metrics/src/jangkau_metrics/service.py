"""Use cases of the metrics service: fold events into the store and its counts; follow the counts."""

from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from typing import NamedTuple
from uuid import UUID

from jangkau_metrics.domain.campaigns import Campaign, merged
from jangkau_metrics.domain.coverage import CellKey
from jangkau_metrics.domain.ledger import Contribution, Receipts
from jangkau_metrics.domain.months import month_index
from jangkau_metrics.domain.participants import Change, Footprint, Participant, Step, delta, fold
from jangkau_metrics.domain.reports import Grouping
from jangkau_metrics.domain.snapshot import Snapshot
from jangkau_metrics.domain.targets import SubBranchTarget, Target, TargetNotFound, UnknownBranch
from jangkau_metrics.domain.view import View
from jangkau_metrics.ports import Branches, CoverageStore
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


async def apply_participant_events(events: Sequence[Decoded], *, store: CoverageStore) -> Outcome:
    """Apply registrations and payments, and move the counts by them, in one transaction."""
    outcome = Outcome()
    registrations: list[tuple[Decoded, Participant]] = []
    payments: list[_Payment] = []
    part_of: dict[UUID, int] = {}  # each participant's Kafka partition: its share of the count rows
    for event in events:
        data = event.envelope.data
        if isinstance(data, WorkerRegisteredV1):
            registrations.append((event, registered_participant(data)))
            part_of[data.participant_id] = event.record.partition
        elif isinstance(data, ContributionPaidV1):
            problem = payment_problem(data)
            if problem:
                outcome.rejected.append(Rejected(event.record, problem))
                continue
            payments.append(_Payment(event, contribution_of(data), paying_participant(data)))
            part_of[data.participant_id] = event.record.partition
    async with store.participant_batch() as batch:
        new_ids = await batch.record_contributions([p.contribution for p in payments])
        new = list(_first_of_each(payments, new_ids))
        ids = {p.participant_id for _, p in registrations} | {p.participant.participant_id for p in new}
        current = await batch.lock(sorted(ids, key=_UUID_ORDER))
        steps = [(p.participant, Step(p.contribution.paid_on, p.contribution.paid_through)) for p in new]
        changes = fold(current, registrations=[p for _, p in registrations], payments=steps)
        await batch.save(changes)
        await batch.move_counts(_moved(changes, part_of), _received(new, part_of))
    _count_participant_outcome(outcome, registrations, payments, new_ids=new_ids, changes=changes)
    return outcome


def _moved(changes: Sequence[Change], part_of: dict[UUID, int]) -> dict[int, Footprint]:
    """The count deltas of these changes, per Kafka partition."""
    by_part: dict[int, list[Change]] = defaultdict(list)
    for change in changes:
        by_part[part_of[change.new.participant_id]].append(change)
    return {part: delta(group) for part, group in by_part.items()}


def _received(new: Sequence["_Payment"], part_of: dict[UUID, int]) -> dict[int, Receipts]:
    """The new contributions' totals, per Kafka partition."""
    by_part: dict[int, Receipts] = defaultdict(Receipts)
    for payment in new:
        by_part[part_of[payment.contribution.participant_id]].record(payment.contribution)
    return dict(by_part)


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


async def apply_campaign_events(events: Sequence[Decoded], *, store: CoverageStore) -> Outcome:
    """Merge campaign facts in one transaction."""
    outcome = Outcome()
    facts: dict[str, Campaign] = {}
    for event in events:
        fact = campaign_fact(event.envelope.data)
        known = facts.get(fact.campaign_id)
        facts[fact.campaign_id] = merged(known, fact) if known else fact
        outcome.applied[event.record.topic] += 1
    await store.merge_campaigns(list(facts.values()))
    return outcome


async def refresh_view(*, store: CoverageStore, view: View) -> None:
    """Bring the served counts up to the store: read the rows changed since the view's horizon."""
    view.apply(await store.changes(view.horizon))


async def counts_on(
    day: date, *, today: date, by: Grouping, branch: str | None, store: CoverageStore, view: View
) -> Snapshot:
    """The counts a read for ``day`` grouped ``by`` is answered from, exact for any day.

    Today and later days: the view (paid-through months now, evaluated on that day), or the
    village count rows for villages. Past days: the standing moves up to that day for branches and
    regions; for finer groupings, the participants in the store as they stood on that day.
    """
    served = view.snapshot
    if day >= today:
        if by != "village":
            return served
        coverage = await store.village_coverage(branch=branch)
    elif by in ("branch", "region"):
        coverage = await store.branch_coverage(day=day, branch=branch)
    else:
        coverage = await store.coverage(day=day, branch=branch)
    ledger = served.ledger if day >= today else await store.campaign_contributions(day)
    return Snapshot(coverage=coverage, ledger=ledger, campaigns=served.campaigns, plan=served.plan)


async def set_target(
    target: Target, *, branches: Branches, store: CoverageStore, refresh: Callable[[], Awaitable[None]]
) -> None:
    """Store a branch office's target for a year, then serve it.

    A branch that is not configured is refused, and so is a sub-branch: participants count under
    branch offices only, so either target would never move. ``refresh`` brings the served counts
    up to the store: the instance's own read, one at a time.
    """
    office = branches.office_of(target.branch)
    if office is None:
        raise UnknownBranch(target.branch, {b for b in branches.branch_codes() if branches.office_of(b) == b})
    if office != target.branch:
        raise SubBranchTarget(target.branch, office)
    await store.save_target(target)
    await refresh()


async def delete_target(
    branch: str, year: int, *, store: CoverageStore, view: View, refresh: Callable[[], Awaitable[None]]
) -> None:
    """Delete the target served for a branch and year (set over the API or packaged), everywhere.

    Any branch's, a configured one or not: a target set before branches were checked must go too.
    The view is brought up to date first, so a target another instance just set is found.
    """
    await refresh()
    if (branch, year) not in view.snapshot.plan.targets:
        raise TargetNotFound(branch, year)
    await store.delete_target(branch, year)
    await refresh()


def registered_participant(data: WorkerRegisteredV1) -> Participant:
    """The participant a registration describes."""
    campaign = str(data.campaign_id) if data.campaign_id else ""
    key = CellKey(data.branch, data.village_code, str(data.segment), campaign)
    return Participant(data.participant_id, key, True, data.registered_on)


def paying_participant(data: ContributionPaidV1) -> Participant:
    """The participant as a payment describes it (kept until its registration arrives)."""
    key = CellKey(data.branch, data.village_code, str(data.segment))
    return Participant(data.participant_id, key, False)


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
