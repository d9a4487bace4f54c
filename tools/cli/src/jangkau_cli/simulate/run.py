"""Send a scenario through the public HTTP API like a field tool, and compare answers with the plan."""

import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from jangkau_cli import api
from jangkau_cli.api import ItemResult, Services
from jangkau_cli.client import describe_errors
from jangkau_cli.errors import CliError
from jangkau_cli.simulate.model import Item, Plan
from jangkau_cli.simulate.scenarios import Scenario, Wave
from jangkau_cli.sync import NoProgress, Progress, chunks


@dataclass
class RunOutcome:
    """What the services answered, and every answer that differs from what the plan expects."""

    accepted: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    surprises: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _campaign_body(wave: Wave) -> dict[str, Any]:
    spec = wave.campaign
    assert spec is not None
    return {
        "branch": wave.villages[0].branch,
        "name": spec.name,
        "kind": spec.kind,
        "village_codes": sorted({v.code for v in wave.villages}),
        "place": spec.place,
        "starts_on": wave.start.isoformat(),
        "ends_on": wave.end.isoformat(),
        "partners": list(spec.partners),
        "target_registrations": spec.target_registrations,
        "target_first_payments": spec.target_first_payments,
    }


def campaign_id_for(scenario: Scenario, wave: Wave, seed: int) -> str:
    """A campaign id fixed by scenario, wave and seed, so a re-run finds the campaign it planned."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"jangkau-simulate:{scenario.name}:{seed}:{wave.name}"))


def ensure_campaigns(
    services: Services, scenario: Scenario, seed: int, outcome: RunOutcome
) -> dict[str, str]:
    """Plan and hold each wave's campaign (409: planned by an earlier run); wave name -> campaign id."""
    ids: dict[str, str] = {}
    client = services.campaigns
    for wave in (w for w in scenario.waves if w.campaign is not None):
        campaign_id = campaign_id_for(scenario, wave, seed)
        body = {"campaign_id": campaign_id, **_campaign_body(wave)}
        try:
            planned = client.post(api.CAMPAIGNS, body)
            if planned.status not in (201, 409):
                client.ok(planned, f"campaign {body['name']!r}")
            held = {"held_from": body["starts_on"], "held_to": body["ends_on"], "headcount": 0}
            client.post(f"{api.CAMPAIGNS}/{campaign_id}/held", held)  # 409 when already held: fine
            ids[wave.name] = campaign_id
        except CliError as err:
            outcome.warnings.append(f"campaign {body['name']!r} not planned ({err}); enrolling without it")
    return ids


def _check(items: list[Item], results: list[ItemResult], outcome: RunOutcome) -> None:
    for item, result in zip(items, results, strict=True):
        (outcome.accepted if result.accepted else outcome.rejected)[item.kind] += 1
        if result.accepted != item.valid and len(outcome.surprises) < 20:
            expected = "accepted" if item.valid else "rejected"
            detail = describe_errors(result.errors) or result.status
            outcome.surprises.append(f"{item.kind} {result.client_id}: expected {expected}, got {detail}")


def send_plan(
    services: Services, plan: Plan, *, batch_size: int, progress: Progress | None = None
) -> RunOutcome:
    """Send registrations, then payments with the participant ids the registry gave, in batches."""
    progress = progress or NoProgress()
    outcome = RunOutcome()
    progress.start(len(plan.registrations) + len(plan.contributions))
    participants: dict[str, str] = {}
    for batch in chunks(plan.registrations, batch_size):
        results = api.send_batch(services.registration, api.REGISTRATIONS, [i.body for i in batch])
        participants.update({r.client_id: r.participant_id for r in results if r.participant_id})
        _check(batch, results, outcome)
        progress.advance(len(batch))
    payable = [i for i in plan.contributions if i.body["participant_client_id"] in participants]
    outcome.rejected["contribution (registration not stored)"] += len(plan.contributions) - len(payable)
    for batch in chunks(payable, batch_size):
        bodies = [_with_participant(i.body, participants) for i in batch]
        _check(batch, api.send_batch(services.registration, api.CONTRIBUTIONS, bodies), outcome)
        progress.advance(len(batch))
    return outcome


def _with_participant(body: dict[str, Any], participants: dict[str, str]) -> dict[str, Any]:
    sent = {k: v for k, v in body.items() if k != "participant_client_id"}
    sent["participant_id"] = participants[body["participant_client_id"]]
    return sent


def write_queue(plan: Plan, path: Path) -> int:
    """Write the plan as an offline queue (JSONL, in the order it happened) for ``jangkau sync``."""
    items = sorted(
        plan.registrations + plan.contributions,
        key=lambda i: (i.body.get("registered_on") or i.body["paid_on"], i.kind != "registration"),
    )
    lines = [
        orjson.dumps({"kind": i.kind, **{k: v for k, v in i.body.items() if v is not None}}) for i in items
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return len(lines)
