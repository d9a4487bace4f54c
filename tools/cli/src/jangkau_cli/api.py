"""The Jangkau HTTP APIs as plain functions: explicit clients in, decoded results out."""

import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from jangkau_cli.client import Answer, ApiClient
from jangkau_cli.config import Settings

REGISTRATIONS = "/v1/registrations"
CONTRIBUTIONS = "/v1/contributions"
PARTICIPANTS = "/v1/participants"
CAMPAIGNS = "/v1/campaigns"
COVERAGE = "/v1/coverage"
TARGETS = "/v1/targets"

#: Per-item statuses meaning "this item is stored" (a replay answers the first outcome again).
ACCEPTED = frozenset(
    {"created", "recorded", "accepted", "already_registered", "already_recorded", "duplicate"}
)
_ITEM_FIELD = re.compile(r"^items\.(\d+)(?:\.(.*))?$")


@dataclass(frozen=True)
class ItemResult:
    """The server's final answer about one item of a batch."""

    client_id: str
    status: str
    participant_id: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        """True when the item is stored (now or by an earlier send)."""
        return self.status in ACCEPTED


@dataclass
class Services:
    """Clients of the three services, built from settings (or given explicitly in tests)."""

    registration: ApiClient
    campaigns: ApiClient
    metrics: ApiClient

    @classmethod
    def from_settings(cls, settings: Settings, transport: httpx.BaseTransport | None = None) -> "Services":
        """Build the three clients with the team token."""
        token = settings.token
        return cls(
            registration=ApiClient("registration", settings.registration_url, token, transport),
            campaigns=ApiClient("campaigns", settings.campaigns_url, token, transport),
            metrics=ApiClient("metrics", settings.metrics_url, token, transport),
        )


def item_result(item: dict[str, Any], answer: Answer) -> ItemResult:
    """Interpret the answer to one single-item POST (a problem+json body on 4xx)."""
    body = answer.body if isinstance(answer.body, dict) else {}
    client_id = str(item.get("client_id"))
    participant_id = body.get("participant_id")
    if 200 <= answer.status < 300:
        status = body.get("status")
        return ItemResult(client_id, status if isinstance(status, str) else "created", participant_id)
    if answer.status == 409 and participant_id:
        return ItemResult(client_id, "already_registered", participant_id)
    status = {409: "conflict", 404: "not_found"}.get(answer.status, "invalid")
    return ItemResult(client_id, status, None, answer.errors())


def _parse_results(items: list[dict[str, Any]], body: Any) -> list[ItemResult]:
    listed = body if isinstance(body, list) else (body or {}).get("results") or (body or {}).get("items")
    if not isinstance(listed, list) or len(listed) != len(items):
        raise ValueError("the batch answer does not list one result per item")
    results = []
    for item, raw in zip(items, listed, strict=True):
        status = str(raw.get("status", "invalid"))
        errors = raw.get("errors") or ([] if status in ACCEPTED else [{"reason": status}])
        client_id = str(raw.get("client_id") or item.get("client_id"))
        results.append(ItemResult(client_id, status, raw.get("participant_id"), list(errors)))
    return results


def _errors_by_item(answer: Answer) -> dict[int, list[dict[str, Any]]]:
    """Attribute a whole-batch 422's errors (fields ``items.N.field``) to the items they name."""
    found: dict[int, list[dict[str, Any]]] = {}
    for error in answer.errors():
        match = _ITEM_FIELD.match(str(error.get("field") or ""))
        if match:
            found.setdefault(int(match[1]), []).append({**error, "field": match[2] or "item"})
    return found


def send_batch(client: ApiClient, path: str, items: list[dict[str, Any]]) -> list[ItemResult]:
    """Send items to ``path:batch``; answers one final result per item, in order.

    A server that rejects the whole batch for a few bad items gets the bad ones marked invalid and
    the rest sent again; a server without the batch endpoint gets the items one by one.
    """
    if not items:
        return []
    answer = client.post(f"{path}:batch", {"items": items})
    if 200 <= answer.status < 300:
        try:
            return _parse_results(items, answer.body)
        except (ValueError, AttributeError, TypeError):
            pass  # an answer we cannot read item by item: ask item by item instead
    elif answer.status == 422 and (bad := _errors_by_item(answer)):
        good = [i for n, i in enumerate(items) if n not in bad]
        good_results = iter(send_batch(client, path, good))
        return [
            ItemResult(str(item.get("client_id")), "invalid", None, bad[n])
            if n in bad
            else next(good_results)
            for n, item in enumerate(items)
        ]
    elif answer.status not in (404, 405):
        client.ok(answer, f"{client.service} rejected the whole batch")
    return [item_result(item, client.post(path, item)) for item in items]


def register(services: Services, body: dict[str, Any]) -> ItemResult:
    """Register one worker."""
    return item_result(body, services.registration.post(REGISTRATIONS, body))


def pay(services: Services, body: dict[str, Any]) -> ItemResult:
    """Record one contribution."""
    return item_result(body, services.registration.post(CONTRIBUTIONS, body))


def participant(services: Services, participant_id: str, as_of: str | None = None) -> dict[str, Any]:
    """Return a participant's public view (state, paid through, programmes ...)."""
    answer = services.registration.get(f"{PARTICIPANTS}/{participant_id}", as_of=as_of)
    return dict(services.registration.ok(answer, f"participant {participant_id}"))


def quote(services: Services, participant_id: str, **terms: Any) -> dict[str, Any]:
    """Ask the registration service what a payment must amount to (first_month, months, payer_type,
    paid_on): the amount, each month's rate period and the paid-through month it would give."""
    answer = services.registration.get(f"{PARTICIPANTS}/{participant_id}/quote", **terms)
    return dict(services.registration.ok(answer, f"quote for participant {participant_id}"))


def _optional(client: ApiClient, path: str, **params: Any) -> Any:
    """GET something nice to have: None when the service does not offer it (4xx)."""
    answer = client.get(path, **params)
    return answer.body if 200 <= answer.status < 300 else None


def coverage(services: Services, branch: str, as_of: str) -> dict[str, Any]:
    """A branch's coverage on the day ``as_of`` (YYYY-MM-DD): states, target, that day's movement, villages.

    Every request names the day, so every figure is of that day: the participants registered by
    then by their state then, the year's target and the share of it reached by then, what was
    recorded on that day (``movement``), and the villages. Only the counts by state are required;
    the rest is added when the service answers it.
    """
    client = services.metrics
    answer = client.get(COVERAGE, by="branch", branch=branch, as_of=as_of)
    report = client.ok(answer, f"coverage of branch {branch}")
    rows = [r for r in report.get("rows", []) if r.get("key") == branch]
    day = str(report.get("as_of") or as_of)
    summary: dict[str, Any] = {"branch": branch, "as_of": day}
    summary |= {k: v for k, v in (rows[0] if rows else {"registered": 0}).items() if k != "key"}
    year_so_far = _optional(
        client, "/v1/timeseries", branch=branch, **{"from": f"{day[:4]}-01-01", "to": day}
    )
    if isinstance(year_so_far, list):
        that_day = [r for r in year_so_far if r.get("day") == day]
        summary["movement"] = {k: sum(int(r.get(k, 0)) for r in that_day) for k in _MOVEMENT}
    targets = _optional(client, TARGETS, year=day[:4]) or []
    target: dict[str, Any] = next((t for t in targets if t.get("branch") == branch), {})
    # Shown as "—" when ops set no target for the branch this year, so the gap is visible.
    summary |= {"target": target.get("target"), "coverage": _reached(target, summary, year_so_far)}
    villages = _optional(client, COVERAGE, by="village", branch=branch, as_of=day)
    if villages and villages.get("rows"):
        summary["villages"] = [{"village_code": r.pop("key", None), **r} for r in villages["rows"]]
    return summary


_MOVEMENT = ("registrations", "contributions", "rupiah")


def _reached(target: dict[str, Any], summary: dict[str, Any], year_so_far: Any) -> float | None:
    """The share of the year's target reached by the summary's day (None: no target, or not known).

    The service's ``achieved`` is measured on its own today; this is measured on the day shown:
    the participants registered by then (measure ``registered``), or those registered from
    1 January to then (measure ``new_registrations``, summed from the year's daily series).
    """
    goal = target.get("target")
    if not isinstance(goal, int) or goal <= 0:
        return None
    if target.get("measure", "registered") == "registered":
        return int(summary.get("registered", 0)) / goal
    if target.get("measure") == "new_registrations" and isinstance(year_so_far, list):
        return sum(int(r.get("registrations", 0)) for r in year_so_far) / goal
    return None


def plan_campaign(services: Services, body: dict[str, Any]) -> dict[str, Any]:
    """Plan a campaign; return it (with its id)."""
    answer = services.campaigns.post(CAMPAIGNS, body)
    return dict(services.campaigns.ok(answer, "campaigns rejected the plan"))


def campaign_step(services: Services, campaign_id: str, step: str, body: dict[str, Any]) -> dict[str, Any]:
    """Move a campaign on: ``held``, ``close`` or ``cancel``."""
    answer = services.campaigns.post(f"{CAMPAIGNS}/{campaign_id}/{step}", body)
    return dict(services.campaigns.ok(answer, f"campaign {campaign_id} ({step})"))


def list_campaigns(services: Services, **filters: Any) -> Any:
    """List campaigns (newest first), filtered by branch/status/kind when given."""
    answer = services.campaigns.get(CAMPAIGNS, **filters)
    return services.campaigns.ok(answer, "campaigns list")


def scorecard(services: Services, campaign_id: str, as_of: str | None = None) -> Any:
    """Return what a campaign brought by ``as_of``: registrations, first payments, still paying."""
    answer = services.campaigns.get(f"{CAMPAIGNS}/{campaign_id}/scorecard", as_of=as_of)
    return services.campaigns.ok(answer, f"scorecard of campaign {campaign_id}")


def leaderboard(services: Services, **filters: Any) -> Any:
    """Return a branch's campaigns ranked by what they brought (``branch`` is required)."""
    answer = services.campaigns.get("/v1/leaderboard", **filters)
    return services.campaigns.ok(answer, "campaign leaderboard")


def targets(services: Services, *, year: int | None = None) -> list[dict[str, Any]]:
    """Every target (of one year, or all) and how far it is reached, as the metrics service serves it."""
    answer = services.metrics.get(TARGETS, year=year)
    return list(services.metrics.ok(answer, "targets"))


def set_target(admin: ApiClient, branch: str, year: int, body: dict[str, Any]) -> dict[str, Any]:
    """Set (or replace) a branch's target for a year, with the metrics admin token."""
    answer = admin.put(f"{TARGETS}/{branch}/{year}", body)
    return dict(admin.ok(answer, f"metrics refused the target of {branch} for {year}"))


def delete_target(admin: ApiClient, branch: str, year: int) -> None:
    """Delete a branch's target for a year, with the metrics admin token."""
    answer = admin.delete(f"{TARGETS}/{branch}/{year}")
    admin.ok(answer, f"target of {branch} for {year}")
