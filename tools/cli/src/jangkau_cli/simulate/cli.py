"""``jangkau simulate SCENARIO``: generate, send through the API, print the expected ground truth."""

from datetime import date
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.table import Table

from jangkau_cli.api import Services
from jangkau_cli.context import console, err_console, handled, services
from jangkau_cli.errors import CliError, ExitCode
from jangkau_cli.progress import BarProgress
from jangkau_cli.render import records_table
from jangkau_cli.simulate.model import Generator, Plan
from jangkau_cli.simulate.run import RunOutcome, ensure_campaigns, send_plan, write_queue
from jangkau_cli.simulate.scenarios import SCENARIOS, Scenario
from jangkau_cli.simulate.truth import ground_truth, truth_document
from jangkau_cli.sync import DEFAULT_BATCH


def build_plan(
    scenario: Scenario,
    *,
    seed: int = 2017,
    scale: float | None = None,
    today: date | None = None,
    invalid_share: float = 0.0,
    campaign_ids: dict[str, str] | None = None,
) -> Plan:
    """Generate a scenario's plan (pure: no network); the same arguments give the same plan."""
    generator = Generator(
        scenario,
        scale=scenario.default_scale if scale is None else scale,
        seed=seed,
        today=today or scenario.today,
        invalid_share=invalid_share,
    )
    return generator.build(campaign_ids)


def truth_table(plan: Plan, truth: dict[str, dict[str, int]], as_of: date | None = None) -> Table:
    """The plan's ground truth as a table that fits 80 columns (``--truth`` writes every figure as JSON).

    ``as_of`` is the day ``truth`` counts for (default: the plan's today).
    """
    records = [
        {
            "branch": branch,
            "reg": row["registered"],
            "never": row["never_paid"],
            "active": row["active"],
            "arrears": sum(row[f"arrears_{n}"] for n in (1, 2, 3)),
            "lapsed": row["lapsed"],
            "payments": row["contributions"],
            "Rp": row["amount"],
        }
        for branch, row in truth.items()
    ]
    title = f"Expected after {plan.scenario.name}, as of {(as_of or plan.today).isoformat()}"
    table = records_table(title, records, tuple(records[0]), only=True)
    bad = truth.get("total", {})
    if bad.get("rejected_registrations") or bad.get("rejected_contributions"):
        table.caption = (
            f"plus {bad['rejected_registrations']:,} invalid registrations and "
            f"{bad['rejected_contributions']:,} invalid payments, sent on purpose: each must be rejected"
        )
    return table


def simulate(
    scenario: Annotated[str, typer.Argument(help=f"One of: {', '.join(SCENARIOS)}.")],
    scale: Annotated[
        float | None, typer.Option(help="Fraction of the real figures (default per scenario).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Same seed, same people, same payments.")] = 2017,
    today: Annotated[
        str | None, typer.Option(help="Simulated 'now', YYYY-MM-DD (default per scenario).")
    ] = None,
    invalid_share: Annotated[float, typer.Option(help="Share of extra, wrongly typed entries (0-1).")] = 0.0,
    as_of: Annotated[
        str | None,
        typer.Option(
            help="Expect the counts as of this past day, YYYY-MM-DD: who was registered and what was "
            "paid by then (default: --today). Compare with `jangkau status --as-of` the same day."
        ),
    ] = None,
    truth: Annotated[Path | None, typer.Option(help="Also write the ground truth as JSON here.")] = None,
    batch_size: Annotated[int, typer.Option(help="Items per request.")] = DEFAULT_BATCH,
    dry_run: Annotated[bool, typer.Option(help="Send nothing; only print the ground truth.")] = False,
    write_queue_to: Annotated[
        Path | None,
        typer.Option(
            "--write-queue", help="Write an offline queue (JSONL) for `jangkau sync` instead of sending."
        ),
    ] = None,
) -> None:
    """Run a field scenario from the reports through the public API and print the truth to expect.

    Scenarios: sesetan-2017 (Denpasar pilot villages and the Sesetan Karnaval booth, 13-17 Aug
    2017), jambi-2018 (five village launches towards 36,000), banten (100 per village over 1,238
    villages, Pandeglang paid by the regional budget, 2026 discount). Re-running with the same seed
    sends the same client ids, so the services store nothing twice.

    Examples:

        jangkau simulate sesetan-2017 --truth truth.json

        jangkau simulate banten --scale 0.01 --invalid-share 0.05 --seed 7 --today 2026-11-20

        jangkau simulate jambi-2018 --write-queue jambi.jsonl   (then: jangkau sync jambi.jsonl)

        jangkau simulate sesetan-2017 --dry-run --as-of 2017-07-31   (the pilot, before the booth)
    """
    _simulate(scenario, scale, seed, today, as_of, invalid_share, truth, batch_size, dry_run, write_queue_to)


@handled
def _simulate(
    name: str,
    scale: float | None,
    seed: int,
    today_text: str | None,
    as_of_text: str | None,
    invalid_share: float,
    truth: Path | None,
    batch_size: int,
    dry_run: bool,
    queue: Path | None,
) -> None:
    scenario = _checked(name, scale, invalid_share)
    scale = scenario.default_scale if scale is None else scale
    today = _parse_day(today_text, "--today") if today_text else scenario.today
    as_of = _parse_day(as_of_text, "--as-of") if as_of_text else None
    if today > date.today():
        err_console.print(f"warning: --today {today} is in the future; the services will refuse those dates")
    svc = None if dry_run or queue is not None else services()
    campaign_ids = _campaigns(svc, scenario, seed) if svc is not None else {}
    plan = build_plan(
        scenario, seed=seed, scale=scale, today=today, invalid_share=invalid_share, campaign_ids=campaign_ids
    )
    counts = ground_truth(plan, as_of)
    if truth is not None:
        document = truth_document(
            plan, counts, seed=seed, scale=scale, invalid_share=invalid_share, as_of=as_of
        )
        truth.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")
    if queue is not None:
        console.print(
            f"wrote {write_queue(plan, queue)} lines to {queue}; send them with `jangkau sync {queue}`"
        )
    surprises = _send(svc, plan, batch_size) if svc is not None else 0
    console.print(truth_table(plan, counts, as_of))
    if surprises:
        raise typer.Exit(int(ExitCode.REJECTED))


def _checked(name: str, scale: float | None, invalid_share: float) -> Scenario:
    if name not in SCENARIOS:
        raise CliError(
            f"unknown scenario {name!r}; choose one of {', '.join(SCENARIOS)}", code=ExitCode.USAGE
        )
    if not 0 <= invalid_share <= 1 or (scale is not None and scale <= 0):
        raise CliError("--invalid-share must be within 0-1 and --scale above 0", code=ExitCode.USAGE)
    return SCENARIOS[name]


def _campaigns(svc: Services, scenario: Scenario, seed: int) -> dict[str, str]:
    setup = RunOutcome()
    campaign_ids = ensure_campaigns(svc, scenario, seed, setup)
    for warning in setup.warnings:
        err_console.print(f"warning: {warning}", highlight=False)
    return campaign_ids


def _send(svc: Services, plan: Plan, batch_size: int) -> int:
    """Send the plan; print what was stored and every answer the plan did not expect."""
    with BarProgress(console, f"simulating {plan.scenario.name}") as progress:
        outcome = send_plan(svc, plan, batch_size=batch_size, progress=progress)
    accepted = ", ".join(f"{n} {k}s" for k, n in sorted(outcome.accepted.items()))
    rejected = ", ".join(f"{n} {k}" for k, n in sorted(outcome.rejected.items()) if n)
    console.print(f"stored: {accepted or 'nothing'}; rejected: {rejected or 'none'}")
    for surprise in outcome.surprises:
        err_console.print(f"unexpected: {surprise}", highlight=False)
    return len(outcome.surprises)


def _parse_day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise CliError(f"{option} must be YYYY-MM-DD, not {text!r}", code=ExitCode.USAGE) from err
