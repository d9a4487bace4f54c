"""``jangkau campaign``: plan, record as held, close, cancel, list, score outreach campaigns."""

from typing import Annotated, Any

import typer

from jangkau_cli import api
from jangkau_cli.context import Json, branch_or_default, console, day_shown, handled, print_json, services
from jangkau_cli.render import mapping_table, records_table, rows_of

campaign_app = typer.Typer(
    help="Plan outreach campaigns, record them as held, close them, see what they brought."
)
CAMPAIGN_COLUMNS = ("campaign_id", "name", "kind", "status", "starts_on", "ends_on", "target_registrations")
#: What `campaign list` shows in a terminal; `--json` (or `campaign scorecard ID`) gives the rest.
LIST_COLUMNS = ("campaign_id", "name", "status", "starts_on")
LEADERBOARD_COLUMNS = ("rank", "name", "kind", "registrations", "paid_once_share", "active_90_share")


def _show(title: str, data: Any, as_json: bool, columns: tuple[str, ...] | None = None) -> None:
    if as_json:
        print_json(data)
    elif isinstance(data, dict) and not any(isinstance(data.get(k), list) for k in ("items", "standings")):
        console.print(mapping_table(title, data))
    else:
        chosen = columns or CAMPAIGN_COLUMNS
        console.print(records_table(title, rows_of(data), chosen, only=columns is not None))


@campaign_app.command("plan")
@handled
def plan(
    name: Annotated[str, typer.Option(help="Public name of the campaign.")],
    kind: Annotated[str, typer.Option(help="festival_booth, village_launch, market_day, door_to_door, ...")],
    starts: Annotated[str, typer.Option(help="First day, YYYY-MM-DD.")],
    ends: Annotated[str, typer.Option(help="Last day (inclusive), YYYY-MM-DD.")],
    village: Annotated[list[str], typer.Option(help="Village code reached (repeat for several).")],
    place: Annotated[str, typer.Option(help="Where: a field, a market, a village hall.")] = "",
    partner: Annotated[
        list[str] | None, typer.Option(help="Partner (repeat): village head, Babinsa...")
    ] = None,
    target_registrations: Annotated[int, typer.Option(help="Target new participants.")] = 0,
    target_first_payments: Annotated[int, typer.Option(help="Target first contributions.")] = 0,
    branch: Annotated[str | None, typer.Option(help="Branch; default: your configured branch.")] = None,
    as_json: Json = False,
) -> None:
    """Plan a campaign and print its id (use it with `register --campaign` and `pay --campaign`).

    Example:

        jangkau campaign plan --name "Sesetan Karnaval 2017" --kind festival_booth
        --starts 2017-08-13 --ends 2017-08-17 --village 51.71.01.1003
        --place "Lapangan Pegok" --target-registrations 600
    """
    body = {
        "branch": branch_or_default(branch),
        "name": name,
        "kind": kind,
        "village_codes": village,
        "place": place,
        "starts_on": starts,
        "ends_on": ends,
        "partners": partner or [],
        "target_registrations": target_registrations,
        "target_first_payments": target_first_payments,
    }
    _show("Campaign planned", api.plan_campaign(services(), body), as_json)


@campaign_app.command("held")
@handled
def held(
    campaign_id: Annotated[str, typer.Argument(help="Campaign id.")],
    held_from: Annotated[str, typer.Option("--from", help="Actual first day, YYYY-MM-DD.")],
    held_to: Annotated[str, typer.Option("--to", help="Actual last day, YYYY-MM-DD.")],
    headcount: Annotated[int, typer.Option(help="People reached, as counted by the team.")] = 0,
    as_json: Json = False,
) -> None:
    """Record that a planned campaign took place.

    Example: `jangkau campaign held 7d1e... --from 2017-08-13 --to 2017-08-17 --headcount 2500`
    """
    body = {"held_from": held_from, "held_to": held_to, "headcount": headcount}
    _show("Campaign held", api.campaign_step(services(), campaign_id, "held", body), as_json)


@campaign_app.command("close")
@handled
def close(campaign_id: Annotated[str, typer.Argument(help="Campaign id.")], as_json: Json = False) -> None:
    """Close a campaign that was held (its scorecard keeps following its participants).

    Example: `jangkau campaign close 7d1e...`
    """
    _show("Campaign closed", api.campaign_step(services(), campaign_id, "close", {}), as_json)


@campaign_app.command("cancel")
@handled
def cancel(campaign_id: Annotated[str, typer.Argument(help="Campaign id.")], as_json: Json = False) -> None:
    """Cancel a campaign that was planned but will not take place.

    Example: `jangkau campaign cancel 7d1e...`
    """
    _show("Campaign cancelled", api.campaign_step(services(), campaign_id, "cancel", {}), as_json)


@campaign_app.command("list")
@handled
def list_(
    branch: Annotated[str | None, typer.Option(help="Branch; default: your configured branch.")] = None,
    status: Annotated[str | None, typer.Option(help="planned, held, closed or cancelled.")] = None,
    as_json: Json = False,
) -> None:
    """List a branch's campaigns.

    Example: `jangkau campaign list --branch denpasar --status held`
    """
    found = api.list_campaigns(services(), branch=branch_or_default(branch), status=status)
    _show("Campaigns", found, as_json, LIST_COLUMNS)


@campaign_app.command("scorecard")
@handled
def scorecard(
    campaign_id: Annotated[str, typer.Argument(help="Campaign id.")],
    as_of: Annotated[str | None, typer.Option(help="As of this day, YYYY-MM-DD (default: today).")] = None,
    as_json: Json = False,
) -> None:
    """What a campaign brought by a day: registrations, first payments, and who is still paying.

    Example: `jangkau campaign scorecard 7d1e... --as-of 2017-11-20`
    """
    day = day_shown(as_of)
    card = api.scorecard(services(), campaign_id, day)
    _show(f"Scorecard of {campaign_id} as of {_day_of(card, day)}", card, as_json)


@campaign_app.command("leaderboard")
@handled
def leaderboard(
    branch: Annotated[str | None, typer.Option(help="Branch; default: your configured branch.")] = None,
    as_of: Annotated[str | None, typer.Option(help="As of this day, YYYY-MM-DD (default: today).")] = None,
    as_json: Json = False,
) -> None:
    """A branch's held and closed campaigns ranked by registrations, payers, then retention, on a day.

    Example: `jangkau campaign leaderboard --branch denpasar`
    """
    code, day = branch_or_default(branch), day_shown(as_of)
    standings = api.leaderboard(services(), branch=code, as_of=day)
    title = f"Leaderboard of {code} as of {_day_of(standings, day)} (ids: `jangkau campaign list`)"
    _show(title, standings, as_json, LEADERBOARD_COLUMNS)


def _day_of(answer: Any, asked: str) -> str:
    """The day the service says it scored on, else the day asked."""
    return str(answer.get("as_of") or asked) if isinstance(answer, dict) else asked
