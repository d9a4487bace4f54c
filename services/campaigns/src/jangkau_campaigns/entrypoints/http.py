"""HTTP routes of the campaigns service: a typed contract in, a use case, a response out."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, FastAPI, Query, Response

from jangkau_campaigns import service
from jangkau_campaigns.bootstrap import Campaigns, bootstrap
from jangkau_campaigns.config import CampaignsSettings
from jangkau_campaigns.domain.campaigns import CampaignStatus, HoldCampaign, PlanCampaign
from jangkau_campaigns.entrypoints.problems import PROBLEMS, install_domain_problems
from jangkau_campaigns.entrypoints.schemas import (
    CampaignIn,
    CampaignOut,
    CampaignPage,
    HeldIn,
    LeaderboardOut,
    ScorecardOut,
    StandingOut,
)
from jangkau_campaigns.ports import CampaignFilter
from jangkau_shared.auth import Team, bearer_auth, forbidden
from jangkau_shared.events import CampaignKind
from jangkau_shared.events.base import BRANCH_PATTERN
from jangkau_shared.http import (
    BodyLimit,
    document_problems,
    install_operational_routes,
    install_problem_handlers,
)
from jangkau_shared.settings import load_settings

MAX_BODY_BYTES = 256 * 1024


def _plan(body: CampaignIn) -> PlanCampaign:
    return PlanCampaign(
        campaign_id=body.campaign_id,
        branch=body.branch,
        name=body.name,
        kind=body.kind,
        village_codes=tuple(dict.fromkeys(body.village_codes)),
        place=body.place,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        partners=tuple(body.partners),
        target_registrations=body.target_registrations,
        target_first_payments=body.target_first_payments,
    )


def _scope(team: Team, branch: str | None) -> frozenset[str] | None:
    """Branches a listing may show: the asked one if allowed, else the token's (None: all)."""
    if branch is not None:
        return frozenset({branch}) if team.may_act_for(branch) else frozenset()
    return None if "*" in team.branches else team.branches


def create_app(campaigns: Campaigns | None = None) -> FastAPI:
    """Build the ASGI app around an assembled service (from the environment by default)."""
    svc = campaigns or bootstrap(load_settings(CampaignsSettings))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await svc.start()
        yield
        await svc.stop()

    app = FastAPI(
        title="Jangkau campaigns API",
        version="1.0.0",
        lifespan=lifespan,
        description="Plan, hold and score outreach campaigns. Every /v1 route needs a team bearer token.",
    )
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    document_problems(app, max_body_bytes=MAX_BODY_BYTES)
    install_problem_handlers(app)
    install_domain_problems(app)
    install_operational_routes(app, svc.registry, svc.ready)
    auth = Annotated[Team, Depends(bearer_auth(lambda: svc.tokens))]
    _lifecycle_routes(app, svc, auth)
    _query_routes(app, svc, auth)
    return app


def _lifecycle_routes(app: FastAPI, svc: Campaigns, auth: Any) -> None:

    @app.post("/v1/campaigns", status_code=201, responses=PROBLEMS, tags=["campaigns"])
    async def plan(body: CampaignIn, team: auth, response: Response) -> CampaignOut:
        """Plan a campaign; CampaignPlanned is published. 409 when campaign_id is taken.

        The branch must be a configured branch office, and every village must exist and lie in
        its area (a sub-branch's: its parent office's); else 422 naming each bad value.
        """
        campaign = await service.plan_campaign(
            _plan(body), actor=team, uow=svc.uow(), places=svc.places, now=svc.now
        )
        response.headers["Location"] = f"/v1/campaigns/{campaign.campaign_id}"
        return CampaignOut.of(campaign)

    @app.post("/v1/campaigns/{campaign_id}/held", responses=PROBLEMS, tags=["campaigns"])
    async def held(campaign_id: UUID, body: HeldIn, team: auth) -> CampaignOut:
        """Record a planned campaign as held; CampaignHeld is published."""
        cmd = HoldCampaign(body.held_from, body.held_to, body.headcount, body.notes)
        campaign = await service.hold_campaign(campaign_id, cmd, actor=team, uow=svc.uow(), now=svc.now)
        return CampaignOut.of(campaign)

    @app.post("/v1/campaigns/{campaign_id}/close", responses=PROBLEMS, tags=["campaigns"])
    async def close(campaign_id: UUID, team: auth) -> CampaignOut:
        """Close a held campaign; CampaignClosed (outcome closed) is published."""
        campaign = await service.close_campaign(campaign_id, actor=team, uow=svc.uow(), now=svc.now)
        return CampaignOut.of(campaign)

    @app.post("/v1/campaigns/{campaign_id}/cancel", responses=PROBLEMS, tags=["campaigns"])
    async def cancel(campaign_id: UUID, team: auth) -> CampaignOut:
        """Cancel a planned campaign; CampaignClosed (outcome cancelled) is published."""
        campaign = await service.cancel_campaign(campaign_id, actor=team, uow=svc.uow(), now=svc.now)
        return CampaignOut.of(campaign)


def _query_routes(app: FastAPI, svc: Campaigns, auth: Any) -> None:
    @app.get("/v1/campaigns", responses=PROBLEMS, tags=["campaigns"])
    async def list_campaigns(
        team: auth,
        branch: Annotated[str | None, Query(pattern=BRANCH_PATTERN, description="Only this branch.")] = None,
        status: Annotated[CampaignStatus | None, Query(description="Only this status.")] = None,
        kind: Annotated[CampaignKind | None, Query(description="Only this kind.")] = None,
        start: Annotated[date | None, Query(alias="from", description="Overlapping from this day.")] = None,
        end: Annotated[date | None, Query(alias="to", description="Overlapping up to this day.")] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> CampaignPage:
        """List the campaigns of the token's branches, newest first."""
        query = CampaignFilter(_scope(team, branch), status, kind, start, end, limit, offset)
        found, total = await service.list_campaigns(query, uow=svc.uow())
        return CampaignPage(items=[CampaignOut.of(c) for c in found], total=total, limit=limit, offset=offset)

    @app.get("/v1/campaigns/{campaign_id}", responses=PROBLEMS, tags=["campaigns"])
    async def get(campaign_id: UUID, team: auth) -> CampaignOut:
        """Return one campaign (another branch's answers 404)."""
        return CampaignOut.of(await service.get_campaign(campaign_id, actor=team, uow=svc.uow()))

    @app.get("/v1/campaigns/{campaign_id}/scorecard", responses=PROBLEMS, tags=["scores"])
    async def scorecard(
        campaign_id: UUID,
        team: auth,
        as_of: Annotated[date | None, Query(description="Day to score on (default today, UTC).")] = None,
    ) -> ScorecardOut:
        """Registrations, first payments, 30/90-day retention and money received, as of a day."""
        day = as_of or svc.now().date()
        card = await service.scorecard(campaign_id, as_of=day, actor=team, uow=svc.uow())
        return ScorecardOut.of(card)

    @app.get("/v1/leaderboard", responses=PROBLEMS, tags=["scores"])
    async def leaderboard(
        team: auth,
        branch: Annotated[
            str, Query(pattern=BRANCH_PATTERN, description="Branch whose campaigns are ranked.")
        ],
        as_of: Annotated[date | None, Query(description="Day to score on (default today, UTC).")] = None,
    ) -> LeaderboardOut:
        """Rank a branch's held and closed campaigns by registrations, payers, then retention."""
        if not team.may_act_for(branch):
            raise forbidden(branch)
        day = as_of or svc.now().date()
        standings = await service.branch_leaderboard(branch, as_of=day, uow=svc.uow())
        return LeaderboardOut(branch=branch, as_of=day, standings=[StandingOut.of(s) for s in standings])
