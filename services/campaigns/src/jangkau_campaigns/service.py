"""Use cases of the campaigns service: lifecycle, queries, scoring, attribution of events."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

from jangkau_campaigns.domain.attribution import Fact, Registration
from jangkau_campaigns.domain.campaigns import Campaign, HoldCampaign, PlanCampaign
from jangkau_campaigns.domain.errors import CampaignNotFound, InvalidField, InvalidFields, OutOfScope
from jangkau_campaigns.domain.scorecard import Scorecard, Standing, leaderboard, score
from jangkau_campaigns.ports import Actor, CampaignFilter, Incoming, Places, StoredRecord, UnitOfWork
from jangkau_shared.events import EventData

Clock = Callable[[], datetime]


class Everyone:
    """The service itself (demo loader, operators): may act for every branch."""

    def may_act_for(self, branch: str) -> bool:
        """Always True."""
        return True


def check_places(cmd: PlanCampaign, *, places: Places) -> None:
    """Refuse a branch that is not configured, and villages that do not exist or lie elsewhere.

    Every village must be served by the campaign's branch office, whoever plans it: an ops
    token may plan for any branch, not put a branch's campaign in another's villages. A
    sub-branch (KCP) works in its parent office's villages. Each bad village is named.
    """
    office = places.office_of(cmd.branch)
    if office is None:
        raise InvalidField("branch", cmd.branch, "is not a configured branch office")
    wrong = [error for code in cmd.village_codes if (error := _misplaced(code, cmd.branch, office, places))]
    if wrong:
        raise InvalidFields(wrong)


def _misplaced(code: str, branch: str, office: str, places: Places) -> InvalidField | None:
    """Why a village cannot be in the branch's campaign, or None when it can."""
    if not places.is_village(code):
        return InvalidField("village_codes", code, "is not a desa/kelurahan in the reference data")
    served_by = places.branch_for_village(code)
    if served_by == office:
        return None
    where = f"lies in the area of branch {served_by}" if served_by else "is served by no configured branch"
    of = branch if office == branch else f"{branch} (a sub-branch of {office})"
    return InvalidField("village_codes", code, f"{where}, not of {of}")


async def plan_campaign(
    cmd: PlanCampaign, *, actor: Actor, uow: UnitOfWork, places: Places, now: Clock
) -> Campaign:
    """Plan a campaign, publish CampaignPlanned and apply events that were waiting for it."""
    if not actor.may_act_for(cmd.branch):
        raise OutOfScope(cmd.branch)
    check_places(cmd, places=places)
    campaign = Campaign.plan(cmd, campaign_id=cmd.campaign_id or uuid4(), now=now())
    async with uow:
        await uow.campaigns.lock_ids({campaign.campaign_id})
        await uow.campaigns.add(campaign)
        waiting = await uow.parked.take({campaign.campaign_id})
        await uow.attribution.add([p.fact for p in waiting])
        uow.publish(campaign.planned_event())
        await uow.commit()
    return campaign


async def hold_campaign(
    campaign_id: UUID, cmd: HoldCampaign, *, actor: Actor, uow: UnitOfWork, now: Clock
) -> Campaign:
    """Record a planned campaign as held and publish CampaignHeld."""
    return await _step(campaign_id, lambda c: c.hold(cmd, now=now()), actor=actor, uow=uow)


async def close_campaign(campaign_id: UUID, *, actor: Actor, uow: UnitOfWork, now: Clock) -> Campaign:
    """Close a held campaign and publish CampaignClosed (outcome closed)."""
    return await _step(campaign_id, lambda c: c.close(now=now()), actor=actor, uow=uow)


async def cancel_campaign(campaign_id: UUID, *, actor: Actor, uow: UnitOfWork, now: Clock) -> Campaign:
    """Cancel a planned campaign and publish CampaignClosed (outcome cancelled)."""
    return await _step(campaign_id, lambda c: c.cancel(now=now()), actor=actor, uow=uow)


async def _step(
    campaign_id: UUID,
    change: Callable[[Campaign], tuple[Campaign, EventData]],
    *,
    actor: Actor,
    uow: UnitOfWork,
) -> Campaign:
    """Load the campaign locked, check the caller may write it, apply ``change``, save and publish."""
    async with uow:
        campaign = await uow.campaigns.get(campaign_id, for_update=True)
        if campaign is None:
            raise CampaignNotFound(campaign_id)
        if not actor.may_act_for(campaign.branch):
            raise OutOfScope(campaign.branch)
        changed, event = change(campaign)
        await uow.campaigns.save(changed)
        uow.publish(event)
        await uow.commit()
    return changed


async def get_campaign(campaign_id: UUID, *, actor: Actor, uow: UnitOfWork) -> Campaign:
    """Return a campaign the caller may see (another branch's answers as not found)."""
    async with uow:
        campaign = await uow.campaigns.get(campaign_id)
    if campaign is None or not actor.may_act_for(campaign.branch):
        raise CampaignNotFound(campaign_id)
    return campaign


async def list_campaigns(query: CampaignFilter, *, uow: UnitOfWork) -> tuple[list[Campaign], int]:
    """Return one page of campaigns matching ``query`` and the total number of matches."""
    async with uow:
        return await uow.campaigns.find(query)


async def scorecard(campaign_id: UUID, *, as_of: date, actor: Actor, uow: UnitOfWork) -> Scorecard:
    """Score one campaign as known on ``as_of``."""
    async with uow:
        campaign = await uow.campaigns.get(campaign_id)
        if campaign is None or not actor.may_act_for(campaign.branch):
            raise CampaignNotFound(campaign_id)
        return await _score(campaign, as_of, uow)


async def branch_leaderboard(
    branch: str, *, as_of: date, uow: UnitOfWork, limit: int = 100
) -> list[Standing]:
    """Rank the branch's campaigns that took place (held or closed)."""
    async with uow:
        found, _ = await uow.campaigns.find(CampaignFilter(branches=frozenset({branch}), limit=limit))
        held = [c for c in found if c.held_to is not None and c.starts_on <= as_of]
        return leaderboard([(c, await _score(c, as_of, uow)) for c in held])


async def _score(campaign: Campaign, as_of: date, uow: UnitOfWork) -> Scorecard:
    return score(
        campaign,
        registrations=await uow.attribution.registrations_of(campaign.campaign_id),
        payments=await uow.attribution.payments_of_participants_of(campaign.campaign_id),
        credited=await uow.attribution.credited_to(campaign.campaign_id),
        as_of=as_of,
    )


@dataclass(frozen=True)
class Attributed:
    """What one batch of events did."""

    new: int
    parked: int
    unchanged: int


async def attribute(events: Sequence[Incoming], *, uow: UnitOfWork) -> Attributed:
    """Store registrations and payments; park those naming a campaign not known yet.

    Registrations without a campaign are not kept; every payment is (a participant's later
    payments rarely name the campaign, and may arrive before the registration).
    """
    named = {e.fact.campaign_id for e in events if e.fact.campaign_id is not None}
    async with uow:
        await uow.campaigns.lock_ids(named)
        known = await uow.campaigns.existing(named)
        ready = [e.fact for e in events if e.fact.campaign_id is None or e.fact.campaign_id in known]
        waiting = [e for e in events if e.fact.campaign_id is not None and e.fact.campaign_id not in known]
        new = await uow.attribution.add([f for f in ready if _kept(f)])
        parked = await uow.parked.park(waiting)
        await uow.commit()
    return Attributed(new=new, parked=parked, unchanged=len(events) - new - parked)


def _kept(fact: Fact) -> bool:
    return not (isinstance(fact, Registration) and fact.campaign_id is None)


@dataclass(frozen=True)
class Swept:
    """What one sweep of parked events did."""

    applied: int
    expired: int
    still_parked: int


DeadLetter = Callable[[StoredRecord, str], Awaitable[None]]


async def sweep_parked(
    *, uow: Callable[[], UnitOfWork], dead_letter: DeadLetter, now: Clock, keep_for: timedelta
) -> Swept:
    """Apply parked events whose campaign now exists; dead-letter those parked longer than ``keep_for``.

    Expired events are dead-lettered before their removal commits: a crash in between sends
    them twice to the dead-letter topic, never zero times.
    """
    async with uow() as work:
        ready = await work.parked.take()
        applied = await work.attribution.add([p.fact for p in ready])
        await work.commit()
    async with uow() as work:
        expired = await work.parked.take_expired(now() - keep_for)
        for event in expired:
            campaign = event.fact.campaign_id
            reason = (
                f"campaign {campaign} still unknown to the campaigns service {_span(keep_for)} after parking"
            )
            await dead_letter(event.record, reason)
        left = await work.parked.count()
        await work.commit()
    return Swept(applied=applied, expired=len(expired), still_parked=left)


def _span(period: timedelta) -> str:
    seconds = period.total_seconds()
    if seconds >= 86_400 and seconds % 86_400 == 0:
        return f"{int(seconds // 86_400)} days"
    return f"{seconds:g} seconds"
