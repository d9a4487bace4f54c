"""The ``jangkau`` command: register, pay, sync an offline queue, campaigns, status, simulate."""

import os
import shlex
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer

from jangkau_cli import api
from jangkau_cli.campaign_cmd import campaign_app
from jangkau_cli.config import ENV_VARS, SECRETS, config_path, normalize_key, read_file, write_file
from jangkau_cli.context import (
    Json,
    branch_or_default,
    console,
    day_shown,
    err_console,
    handled,
    print_json,
    services,
    settings,
    today,
)
from jangkau_cli.errors import ConfigError, ExitCode
from jangkau_cli.progress import BarProgress
from jangkau_cli.quote import quoted_amount
from jangkau_cli.render import mapping_table, result_line
from jangkau_cli.simulate.cli import simulate
from jangkau_cli.status import coverage_view
from jangkau_cli.sync import DEFAULT_BATCH, sync_file
from jangkau_cli.target_cmd import target_app

app = typer.Typer(
    name="jangkau",
    help="Field tools for Jangkau campaign teams: register workers, take payments, sync an offline "
    "queue, follow campaigns and coverage. Start with `jangkau config set token <your token>`.",
    rich_markup_mode="markdown",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Show or change where the services are and which team token to use.")
participant_app = typer.Typer(help="Look up participants.")
app.add_typer(config_app, name="config")
app.add_typer(campaign_app, name="campaign")
app.add_typer(participant_app, name="participant")
app.add_typer(target_app, name="target")
app.command()(simulate)


@config_app.command("set")
@handled
def config_set(
    pairs: Annotated[list[str], typer.Argument(help="KEY VALUE pairs", metavar="KEY VALUE [KEY VALUE]...")],
) -> None:
    """Save settings in the config file (environment variables still win).

    Keys: registration-url, campaigns-url, metrics-url, token, branch (your default branch),
    metrics-admin-token (ops only: `jangkau target set/delete`).

    Examples:

        jangkau config set token jk_abc123 branch denpasar

        jangkau config set registration-url https://reg.example.id
    """
    if len(pairs) % 2:
        raise ConfigError("give KEY VALUE pairs, e.g. `jangkau config set token jk_abc123`")
    path = config_path()
    values = read_file(path)
    values.update({normalize_key(k): v for k, v in zip(pairs[::2], pairs[1::2], strict=True)})
    write_file(path, values)
    console.print(f"saved {', '.join(normalize_key(k) for k in pairs[::2])} to {path}")


@config_app.command("show")
@handled
def config_show() -> None:
    """Show the settings in force (token masked) and where each comes from.

    Example: `jangkau config show`
    """
    resolved = settings()
    path = config_path()
    from_file = read_file(path)
    console.print(f"config file: {path}{'' if path.is_file() else ' (none yet)'}")
    for key, var in ENV_VARS.items():
        value = getattr(resolved, key)
        shown = f"{value[:6]}…" if key in SECRETS and value else (value or "—")
        source = "env " + var if settings_from_env(var) else ("file" if key in from_file else "default")
        console.print(f"  {key.replace('_', '-'):<17} {shown}  [dim]({source})[/]")


def settings_from_env(var: str) -> bool:
    """True when an environment variable sets this value."""
    return bool(os.environ.get(var))


@app.command(epilog="Exit codes: 0 stored, 1 rejected (see the message), 3-7 see `docs/field-teams.md`.")
@handled
def register(
    nik: Annotated[str, typer.Option(help="16-digit NIK from the KTP.")],
    name: Annotated[str, typer.Option(help="Full name as on the KTP.")],
    village: Annotated[str, typer.Option(help="Kemendagri village code, e.g. 51.71.01.1003 (Sesetan).")],
    segment: Annotated[str, typer.Option(help="farmer, fisher, trader, street_vendor, driver, ...")],
    income: Annotated[int, typer.Option(help="Declared monthly income bracket in rupiah.")] = 1_000_000,
    programmes: Annotated[str, typer.Option(help="JKK,JKM (always) and optionally JHT.")] = "JKK,JKM",
    channel: Annotated[str, typer.Option(help="booth, door_to_door, village_office, market, ...")] = "booth",
    branch: Annotated[str | None, typer.Option(help="Branch code; default: your configured branch.")] = None,
    campaign: Annotated[str | None, typer.Option(help="Campaign id that brought this worker.")] = None,
    registered_on: Annotated[str | None, typer.Option(help="YYYY-MM-DD; default today.")] = None,
    client_id: Annotated[str | None, typer.Option(help="Reuse an id to retry safely; default new.")] = None,
    as_json: Json = False,
) -> None:
    """Register one worker and print the participant id.

    Example:

        jangkau register --nik 5171014508900001 --name "Ni Made Sriasih"
        --village 51.71.01.1003 --segment trader --income 1500000
        --programmes JKK,JKM,JHT --channel booth
    """
    body: dict[str, Any] = {
        "client_id": client_id or str(uuid.uuid4()),
        "nik": nik,
        "name": name,
        "branch": branch or settings().branch,
        "village_code": village,
        "segment": segment,
        "programmes": [p.strip().upper() for p in programmes.split(",") if p.strip()],
        "income_bracket": income,
        "channel": channel,
        "registered_on": registered_on or today(),
        "campaign_id": campaign,
    }
    _report(api.register(services(), {k: v for k, v in body.items() if v is not None}), as_json)


@app.command(epilog="Exit codes: 0 stored, 1 rejected (see the message), 3-7 see `docs/field-teams.md`.")
@handled
def pay(
    participant_id: Annotated[str, typer.Argument(help="Participant id (from `jangkau register`).")],
    first_month: Annotated[str, typer.Option(help="First month paid, YYYY-MM.")],
    months: Annotated[int, typer.Option(help="1, 3, 6 or 12 months.")] = 1,
    amount: Annotated[
        int | None, typer.Option(help="Rupiah received; default: the amount the registration service quotes.")
    ] = None,
    payer: Annotated[str, typer.Option(help="self, family, village_fund, regional_budget, ...")] = "self",
    channel: Annotated[str, typer.Option(help="booth, door_to_door, village_office, ...")] = "booth",
    campaign: Annotated[str | None, typer.Option(help="Campaign id the payment belongs to.")] = None,
    paid_on: Annotated[str | None, typer.Option(help="YYYY-MM-DD; default today.")] = None,
    client_id: Annotated[str | None, typer.Option(help="Reuse an id to retry safely; default new.")] = None,
    as_json: Json = False,
) -> None:
    """Record a contribution for 1, 3, 6 or 12 months.

    Without --amount the registration service quotes the amount, from the participant's income
    bracket and programmes, the payer and the rate table in force for each month (the table that
    checks the payment); the quote is printed with its rate period and the paid-through month.

    Example:

        jangkau pay 3f2c9a7e-... --first-month 2017-08 --months 3
    """
    svc = services()
    day = paid_on or today()
    if amount is None:
        amount, line = quoted_amount(
            svc, participant_id, first_month=first_month, months=months, payer=payer, paid_on=day
        )
        # With --json, stdout carries only the JSON answer; the quote goes to stderr.
        (err_console if as_json else console).print(line, highlight=False, soft_wrap=True)
    body: dict[str, Any] = {
        "client_id": client_id or str(uuid.uuid4()),
        "participant_id": participant_id,
        "first_month": first_month,
        "months": months,
        "amount": amount,
        "payer_type": payer,
        "channel": channel,
        "campaign_id": campaign,
        "paid_on": day,
    }
    _report(api.pay(svc, {k: v for k, v in body.items() if v is not None}), as_json)


def _report(result: api.ItemResult, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "client_id": result.client_id,
                "status": result.status,
                "participant_id": result.participant_id,
                "errors": result.errors,
            }
        )
    else:
        (console if result.accepted else err_console).print(result_line(result), highlight=False)
    if not result.accepted:
        raise typer.Exit(int(ExitCode.REJECTED))


@participant_app.command("show")
@handled
def participant_show(
    participant_id: Annotated[str, typer.Argument(help="Participant id.")],
    as_of: Annotated[str | None, typer.Option(help="Day of the state, YYYY-MM-DD (default: today).")] = None,
    as_json: Json = False,
) -> None:
    """Show a participant: branch, village, programmes, paid through, and the state on a day.

    The title says which day the state is of (today unless --as-of).

    Example: `jangkau participant show 3f2c9a7e-... --as-of 2017-12-01`
    """
    day = day_shown(as_of)
    data = api.participant(services(), participant_id, day)
    if as_json:
        print_json(data)
    else:
        console.print(mapping_table(f"Participant {participant_id} as of {data.get('as_of') or day}", data))


@app.command(
    epilog="Exit codes: 0 all stored, 1 some lines rejected, 4 stopped early (run again), 5 token, "
    "130 Ctrl-C (run again)."
)
@handled
def sync(
    file: Annotated[Path, typer.Argument(help="Queue file: .jsonl or .csv.", exists=True, dir_okay=False)],
    batch_size: Annotated[int, typer.Option(help="Items per request.")] = DEFAULT_BATCH,
    branch: Annotated[str | None, typer.Option(help="Branch for registrations without one.")] = None,
) -> None:
    """Send an offline queue (JSONL or CSV) collected on a phone or laptop; safe to run again.

    Each line is a registration or a contribution (`kind`). Lines without a `client_id` get one,
    written back into FILE before anything is sent. Registrations go first; a contribution may name
    its registration by `participant_client_id`. Progress is kept in FILE.jangkau-sync.json, so an
    interrupted sync (lost connection, Ctrl-C) resumes where it stopped; FILE.results.csv tells
    what happened to every line. A rejected line that you correct is sent again on the next run.

    Example:

        jangkau sync booth-day1.jsonl
    """
    svc = services()
    with BarProgress(console, f"syncing {file.name}") as progress:
        outcome = sync_file(
            file, svc, batch_size=batch_size, branch=branch or settings().branch, progress=progress
        )
    summary = ", ".join(f"{n} {status}" for status, n in sorted(outcome.counts.items()))
    console.print(f"{summary or 'nothing to send'}; report: {outcome.report}", soft_wrap=True)
    console.print(outcome.this_run(), highlight=False)
    if outcome.edited_after_stored:
        err_console.print(
            f"{outcome.edited_after_stored} line(s) changed after they were stored and were not sent "
            f"again (the service keeps what it stored): see {outcome.report}",
            soft_wrap=True,
        )
    if outcome.interrupted is not None:
        err_console.print(f"[bold red]stopped:[/] {outcome.interrupted}", highlight=False, soft_wrap=True)
        err_console.print(
            f"to send the rest, run: {_resume_command(file, branch)}  (nothing answered is sent again)",
            highlight=False,
            soft_wrap=True,
        )
    elif outcome.rejected:
        err_console.print(
            f"{outcome.rejected} line(s) rejected: see {outcome.report}, fix them, sync again", soft_wrap=True
        )
    raise typer.Exit(int(outcome.exit_code))


def _resume_command(file: Path, branch: str | None) -> str:
    """The command that finishes an interrupted sync, ready to paste (the file name quoted)."""
    return shlex.join(["jangkau", "sync", str(file), *(["--branch", branch] if branch else [])])


@app.command()
@handled
def status(
    branch: Annotated[str | None, typer.Option(help="Branch code; default: your configured branch.")] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            help="Day to show, YYYY-MM-DD (default: today). A past day shows what was true then: "
            "the people registered by that day, standing by the payments made by that day."
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """Show a branch's coverage on a day: registered, active, arrears, lapsed, target, coverage, movement.

    Every table says which day it shows: the states on that day, the share of that year's target
    reached by then, and what was recorded on that day (the movement).

    Examples:

        jangkau status --branch denpasar

        jangkau status --branch denpasar --as-of 2017-07-31   (before the Sesetan Karnaval booth)
    """
    code = branch_or_default(branch)
    data = api.coverage(services(need_token=False), code, day_shown(as_of))
    if as_json:
        print_json(data)
    else:
        console.print(coverage_view(code, data))
    if not data.get("registered") and data.get("target") is None:
        err_console.print(
            f"note: nothing counted and no target set for branch {code!r}; "
            "check the branch code (lower case, e.g. denpasar, jambi)",
            highlight=False,
        )
