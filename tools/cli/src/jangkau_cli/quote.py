"""The amount of a payment, as the registration service quotes it: the CLI keeps no rate table.

Ops change rates by adding a period to the service's rate table; a field tool that priced
payments itself would be refused from that month on, so ``jangkau pay`` asks the service.
"""

from typing import Any

from jangkau_cli import api


def quoted_amount(
    svc: api.Services, participant_id: str, *, first_month: str, months: int, payer: str, paid_on: str
) -> tuple[int, str]:
    """Return the amount due for these terms and one line telling the cashier where it comes from."""
    quote = api.quote(
        svc, participant_id, first_month=first_month, months=months, payer_type=payer, paid_on=paid_on
    )
    return int(quote["amount"]), quote_line(quote)


def quote_line(quote: dict[str, Any]) -> str:
    """``amount quoted: Rp 33,600 for 2026-03 to 2026-05 (rates from 2015-07; ...); paid through 2026-05``."""
    monthly = quote.get("monthly") or []
    periods = dict.fromkeys(_period(m) for m in monthly)
    discounts = dict.fromkeys(name for m in monthly for name in m.get("discounts", []))
    first, last = quote["first_month"], quote["last_month"]
    span = first if first == last else f"{first} to {last}"
    basis = "; ".join([*periods, *discounts])
    restart = ", coverage restarts" if quote.get("reactivates") else ""
    return (
        f"amount quoted by the registration service: Rp {int(quote['amount']):,} for {span} "
        f"({basis}); paid through {quote['paid_through']}{restart}"
    )


def _period(month: dict[str, Any]) -> str:
    until = month.get("rate_until")
    return f"rates of {month['rate_from']} to {until}" if until else f"rates from {month['rate_from']}"
