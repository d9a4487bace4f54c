"""JSON API over the in-memory snapshot: coverage, daily series, campaigns, targets."""

import hmac
from dataclasses import asdict
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel, Field

from jangkau_metrics import service
from jangkau_metrics.bootstrap import Metrics
from jangkau_metrics.domain import reports
from jangkau_metrics.domain.reports import Grouping
from jangkau_metrics.domain.snapshot import Snapshot
from jangkau_metrics.domain.targets import Measure, Target, TargetNotFound, UnknownBranch
from jangkau_shared.http import problem

#: A branch code as the registration service assigns them (the target route's path takes the same).
BRANCH_PATTERN = r"^[a-z0-9][a-z0-9-]{1,39}$"
BranchFilter = Annotated[
    str | None, Query(pattern=BRANCH_PATTERN, description="Only this branch (a branch code, e.g. denpasar).")
]
TargetBranch = Annotated[str, Path(pattern=BRANCH_PATTERN, description="Branch code, e.g. rangkasbitung.")]
TargetYear = Annotated[int, Path(ge=2000, le=2100)]
AsOf = Annotated[
    date | None,
    Query(
        description="Day the figures are for (default: today). A past day gives what was true then:"
        " participants registered by that day, paid through what they had paid by that day. A future"
        " day gives today's participants in the state they reach by then if nobody pays."
    ),
]


class CoverageRow(BaseModel):
    """Participants of one group by state on the day asked."""

    key: str = Field(
        description="Value of the grouping (branch code, region, village code, segment, campaign id)."
    )
    registered: int = Field(description="Registered participants.")
    never_paid: int = Field(description="Registered, no contribution yet.")
    active: int = Field(description="Paid through the last overdue month or later.")
    arrears_1: int = Field(description="One overdue month unpaid.")
    arrears_2: int = Field(description="Two overdue months unpaid.")
    arrears_3: int = Field(description="Three overdue months unpaid (the last recoverable).")
    lapsed: int = Field(description="More than three overdue months unpaid.")


class CoverageReport(BaseModel):
    """Coverage grouped one way on one day."""

    as_of: date = Field(description="The day these figures are for.")
    by: Grouping
    branch: str | None = Field(description="Branch the rows are limited to, if any.")
    rows: list[CoverageRow]


class RegionRow(CoverageRow):
    """A region's coverage against its informal workforce, where configured."""

    name: str
    informal_workforce: int | None
    active_share_of_informal_workforce: float | None


class TargetRow(BaseModel):
    """A branch's annual target and how far it is reached."""

    branch: str
    year: int
    measure: Measure
    target: int
    actual: int = Field(description="Registered by the end of the year, or registered during it (measure).")
    achieved: float | None = Field(description="actual / target; None for a zero target.")


class TargetIn(BaseModel):
    """A target to set for a branch and year."""

    participants: int = Field(ge=0, description="How many participants to reach.", examples=[22_964])
    measure: Measure = Field(
        default="registered", description="Count all registered, or new ones in the year."
    )


class DayRow(BaseModel):
    """Registrations and contributions of one branch on one day."""

    branch: str
    day: date
    registrations: int
    contributions: int
    rupiah: int


class CampaignRow(CoverageRow):
    """A campaign's plan, what happened, and the participants it registered, by state."""

    campaign_id: str
    branch: str
    status: str
    name: str | None
    kind: str | None
    starts_on: date | None
    ends_on: date | None
    held_from: date | None
    held_to: date | None
    headcount: int | None = Field(description="People reached, as counted by the team.")
    target_registrations: int | None
    target_first_payments: int | None
    first_payments: int = Field(description="Its registered participants who paid at least once.")
    contributions: int = Field(description="Contributions attributed to the campaign.")
    rupiah: int


def router(metrics: Metrics) -> APIRouter:
    """Routes of the JSON API: the view of the counts for today and later, the store for past days."""
    api = APIRouter(prefix="/v1", tags=["coverage"])

    async def counts_on(day: date, by: Grouping, *, branch: str | None = None) -> Snapshot:
        return await service.counts_on(
            day, today=metrics.clock(), by=by, branch=branch, store=metrics.store, view=metrics.view
        )

    @api.get("/coverage", response_model=CoverageReport)
    async def coverage(by: Grouping = "branch", as_of: AsOf = None, branch: BranchFilter = None) -> Any:
        """Participants by state, grouped by branch, region, village, segment or campaign, on a day."""
        day = as_of or metrics.clock()
        source = await counts_on(day, by, branch=branch)
        rows = reports.coverage(source, day=day, by=by, branch=branch)
        return {"as_of": day, "by": by, "branch": branch, "rows": [asdict(r) for r in rows]}

    @api.get("/regions", response_model=list[RegionRow])
    async def regions(as_of: AsOf = None) -> Any:
        """Regional offices' coverage, with the share of their informal workforce that is active."""
        day = as_of or metrics.clock()
        source = await counts_on(day, "region")
        by_region = {r.key: r for r in reports.coverage(source, day=day, by="region")}
        out = []
        for region in source.plan.regions:
            row = by_region.get(region.code) or reports.CoverageRow.empty(region.code)
            workforce = region.informal_workforce
            share = row.active / workforce if workforce else None
            out.append(
                asdict(row)
                | {
                    "name": region.name,
                    "informal_workforce": workforce,
                    "active_share_of_informal_workforce": share,
                }
            )
        return out

    @api.get("/timeseries", response_model=list[DayRow])
    async def timeseries(
        start: Annotated[
            date | None, Query(alias="from", description="First day (default: 30 days ago).")
        ] = None,
        end: Annotated[date | None, Query(alias="to", description="Last day (default: today).")] = None,
        branch: BranchFilter = None,
    ) -> Any:
        """Registrations and contributions per branch per day."""
        last = end or metrics.clock()
        first = start or last - timedelta(days=30)
        rows = await metrics.store.daily(start=first, end=last, branch=branch)
        return [DayRow(branch=b, day=d, registrations=r, contributions=c, rupiah=a) for b, d, r, c, a in rows]

    @api.get("/campaigns", response_model=list[CampaignRow])
    async def campaigns(as_of: AsOf = None) -> Any:
        """Campaign scorecards on a day: plan, registrations brought, and whether those people still pay."""
        day = as_of or metrics.clock()
        source = await counts_on(day, "campaign")
        rows = {r.key: r for r in reports.coverage(source, day=day, by="campaign")}
        paid, rupiah = source.ledger.by_campaign()
        out = []
        for c in sorted(source.campaigns.values(), key=lambda c: c.campaign_id):
            row = rows.get(c.campaign_id) or reports.CoverageRow.empty(c.campaign_id)
            out.append(
                asdict(row)
                | asdict(c)
                | {
                    "first_payments": row.registered - row.never_paid,
                    "contributions": paid[c.campaign_id],
                    "rupiah": rupiah[c.campaign_id],
                }
            )
        return out

    _target_routes(api, metrics)
    return api


def _target_routes(api: APIRouter, metrics: Metrics) -> None:
    """Targets: read by anyone; set and deleted with the admin token."""

    @api.get("/targets", response_model=list[TargetRow], tags=["targets"])
    async def targets(year: int | None = None) -> Any:
        """Annual targets per branch and how far each is reached."""
        return [asdict(r) for r in reports.targets(metrics.snapshot, year=year)]

    @api.put(
        "/targets/{branch}/{year}",
        response_model=TargetRow,
        tags=["targets"],
        responses={
            401: {"description": "No admin bearer token, or another one."},
            403: {"description": "No admin token is configured: targets are read-only."},
            422: {
                "description": "A branch that is not configured, or a bad body; errors name field and value."
            },
        },
    )
    async def set_target(
        request: Request,
        body: TargetIn,
        branch: TargetBranch,
        year: TargetYear,
    ) -> Any:
        """Set (or replace) a branch's target for a year; the branch must be a configured one."""
        target = Target(branch, year, body.participants, body.measure)
        _require_admin(request, metrics)
        try:
            await service.set_target(
                target, branches=metrics.branches, store=metrics.store, refresh=metrics.refresh
            )
        except UnknownBranch as err:
            error = {"field": "branch", "value": branch, "reason": err.reason}
            return problem(422, "Invalid request", str(err), errors=[error])
        return next(asdict(r) for r in reports.targets(metrics.snapshot, year=year) if r.branch == branch)

    @api.delete(
        "/targets/{branch}/{year}",
        status_code=204,
        response_class=Response,
        tags=["targets"],
        responses={
            401: {"description": "No admin bearer token, or another one."},
            403: {"description": "No admin token is configured: targets are read-only."},
            404: {"description": "No target is set for this branch and year."},
        },
    )
    async def delete_target(request: Request, branch: TargetBranch, year: TargetYear) -> Response:
        """Delete a branch's target for a year, set over the API or packaged; every instance drops it.

        Its series leave /metrics (and the pace alert with them). Any branch's target can be
        deleted, one set for a mistyped branch before branches were checked too.
        """
        _require_admin(request, metrics)
        try:
            await service.delete_target(
                branch, year, store=metrics.store, view=metrics.view, refresh=metrics.refresh
            )
        except TargetNotFound as err:
            return problem(404, "Not Found", str(err))
        return Response(status_code=204)


def _require_admin(request: Request, metrics: Metrics) -> None:
    """Only the configured admin token may change targets (401 without it, 403 when none is set)."""
    configured = metrics.settings.admin_token
    if configured is None:
        raise HTTPException(403, detail="targets are read-only here: JANGKAU_METRICS_ADMIN_TOKEN is not set")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.strip().encode(), configured.get_secret_value().encode()
    ):
        raise HTTPException(
            401, detail="send 'Authorization: Bearer <admin token>'", headers={"WWW-Authenticate": "Bearer"}
        )
