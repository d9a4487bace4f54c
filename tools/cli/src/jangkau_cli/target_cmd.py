"""``jangkau target``: list the annual targets per branch; ops set and delete them."""

from typing import Annotated

import typer

from jangkau_cli import api
from jangkau_cli.context import Json, console, handled, metrics_admin, print_json, services
from jangkau_cli.render import mapping_table, records_table

target_app = typer.Typer(
    help="Annual targets per branch: list them (anyone), set or delete them (ops, metrics admin token)."
)
TARGET_COLUMNS = ("branch", "year", "measure", "target", "actual", "achieved")
SET_EXIT_CODES = (
    "Exit codes: 0 set, 1 refused (the message names field and value), 3 no admin token, 5 token refused."
)
DELETE_EXIT_CODES = (
    "Exit codes: 0 deleted, 3 no admin token, 5 token refused, 7 no target for that branch and year."
)

Branch = Annotated[str, typer.Argument(help="Branch code, e.g. rangkasbitung (lower case).")]
Year = Annotated[int, typer.Argument(help="The year of the target, e.g. 2026.")]


@target_app.command("list")
@handled
def list_(
    year: Annotated[int | None, typer.Option(help="Only this year's targets.")] = None,
    branch: Annotated[str | None, typer.Option(help="Only this branch's targets.")] = None,
    as_json: Json = False,
) -> None:
    """List the targets and how far each is reached today (no token needed).

    `measure` says what a target counts: `registered`, everyone registered by 31 December, or
    `new_registrations`, those registered during the year. `actual` is that count today and
    `achieved` is actual / target. Targets come from the packaged plan (coverage.toml) and
    from `jangkau target set`, which wins.

    Examples:

        jangkau target list --year 2026

        jangkau target list --branch rangkasbitung --json
    """
    rows = [
        r for r in api.targets(services(need_token=False), year=year) if branch in (None, r.get("branch"))
    ]
    if as_json:
        print_json(rows)
        return
    title = "Targets" + (f" of {year}" if year else "") + (f", branch {branch}" if branch else "")
    console.print(records_table(title, rows, TARGET_COLUMNS, only=True))
    if not rows:
        console.print("no target set; ops set one with `jangkau target set BRANCH YEAR --participants N`")


@target_app.command("set", epilog=SET_EXIT_CODES)
@handled
def set_(
    branch: Branch,
    year: Year,
    participants: Annotated[int, typer.Option(help="How many participants to reach.", min=0)],
    measure: Annotated[
        str,
        typer.Option(
            help="registered: everyone registered by 31 December (a stock); "
            "new_registrations: those registered during the year (a flow)."
        ),
    ] = "registered",
    as_json: Json = False,
) -> None:
    """Set (or replace) a branch's target for a year. Ops only: needs the metrics admin token.

    The token is the metrics service's JANGKAU_METRICS_ADMIN_TOKEN (for the local stack, in
    deploy/local.env). Give it once with `jangkau config set metrics-admin-token <token>`, or
    in the environment variable of that name. The branch must be a configured branch office
    (a sub-branch's participants count under its office): a mistyped one is refused, naming the
    branch it probably meant. The target
    shows in `jangkau status`, `jangkau target list`, and on /metrics for the dashboards.

    Examples:

        jangkau target set rangkasbitung 2026 --participants 1200

        jangkau target set jambi 2018 --participants 36000 --measure new_registrations
    """
    body = {"participants": participants, "measure": measure}
    row = api.set_target(metrics_admin(), branch, year, body)
    if as_json:
        print_json(row)
    else:
        console.print(mapping_table("Target set", row))


@target_app.command("delete", epilog=DELETE_EXIT_CODES)
@handled
def delete(branch: Branch, year: Year) -> None:
    """Delete a branch's target for a year. Ops only: needs the metrics admin token.

    The target leaves `jangkau target list`, `jangkau status` and /metrics on every metrics
    instance, and with it the JangkauBranchBehindTargetPace alert. A target of the packaged plan
    can be deleted too, and one set for a mistyped branch; `jangkau target set` brings one back.

    Example:

        jangkau target delete rangkasbitng 2026
    """
    api.delete_target(metrics_admin(), branch, year)
    console.print(f"deleted the target of {branch} for {year}")
