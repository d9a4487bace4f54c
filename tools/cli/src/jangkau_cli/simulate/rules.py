"""Programme rules the offline simulator must agree on with the services: participant state and rates.

Only the simulator uses them. It plans a whole scenario (thousands of people and payments, and
the ground truth to compare the metrics with) before it sends anything, and it must plan without
a service too (`--dry-run`, the truth file), so it cannot ask for every amount. The rules are
copied (not imported) from docs/domain.md and the services, because a field tool must not depend
on a service's package; tests pin the hand-checked cases. The copy covers the scenarios' months
(2016-2017 and today's year) under the packaged rates.toml: a stack whose rate table differs
refuses the simulator's payments for the months that differ.

`jangkau pay` keeps no rates: without `--amount` it asks the registration service for a quote,
so a rate period ops add to the service's table is used at once.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

#: A month's contribution is due by this day of that month (inclusive).
DUE_DAY: Final = 15
#: Unpaid overdue months that are still arrears; one more and participation lapses.
MAX_ARREARS: Final = 3

JKM_FLAT: Final = 6_800
JKK_BASIS_POINTS: Final = 100  # 1 % of the declared income bracket
JHT_BASIS_POINTS: Final = 200  # 2 %


@dataclass(frozen=True)
class Discount:
    """A relief on JKK and JKM for a span of months (inclusive), not for the exempt payers."""

    first: str
    last: str
    percent: int
    exempt_payers: frozenset[str] = frozenset()


#: Copied from services/registration/.../rates.toml (the service answers 422 on any other amount).
DISCOUNTS: Final = (
    Discount("2020-08", "2021-01", 99),  # COVID-19 relief, PP 49/2020
    Discount("2026-04", "2026-12", 50, frozenset({"regional_budget", "national_budget"})),
)


class State(StrEnum):
    """Where a registered participant stands on a given day (same names as the metrics service)."""

    NEVER_PAID = "never_paid"
    ACTIVE = "active"
    ARREARS_1 = "arrears_1"
    ARREARS_2 = "arrears_2"
    ARREARS_3 = "arrears_3"
    LAPSED = "lapsed"


def month_index(text: str) -> int:
    """``YYYY-MM`` as a number of months that subtracts."""
    year, month = text.split("-")
    return int(year) * 12 + int(month) - 1


def month_of(day: date) -> int:
    """The month ``day`` falls in, numbered like ``month_index``."""
    return day.year * 12 + day.month - 1


def month_text(index: int) -> str:
    """A month number back as ``YYYY-MM``."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def state_of(paid_through: str | None, today: date) -> State:
    """The state of a participant paid through ``paid_through`` (None: never paid) on ``today``.

    The latest overdue month on ``today`` is the current month after the 15th, else the month
    before. Paid through it (or beyond): active. 1-3 overdue months unpaid: arrears 1-3. More:
    lapsed. Example: paid through 2017-08 is active on 2017-09-15, arrears 1 on 2017-09-16,
    arrears 3 on 2017-11-16 and lapsed on 2017-12-16.
    """
    if paid_through is None:
        return State.NEVER_PAID
    current = month_of(today)
    last_due = current if today.day > DUE_DAY else current - 1
    behind = max(0, last_due - month_index(paid_through))
    if behind == 0:
        return State.ACTIVE
    if behind <= MAX_ARREARS:
        return (State.ARREARS_1, State.ARREARS_2, State.ARREARS_3)[behind - 1]
    return State.LAPSED


def monthly_amount(income_bracket: int, programmes: frozenset[str], month: str, payer_type: str) -> int:
    """Rupiah due for one month: JKK 1 % of the bracket + JKM Rp 6,800 (+ JHT 2 %), discounts applied.

    Each programme's amount is rounded half up to whole rupiah, then discounted (rounded half up),
    as the registration service's rate table does.
    """
    amounts = {
        "JKK": (income_bracket * JKK_BASIS_POINTS + 5_000) // 10_000,
        "JKM": JKM_FLAT,
        "JHT": (income_bracket * JHT_BASIS_POINTS + 5_000) // 10_000,
    }
    total = 0
    for programme in sorted(programmes):
        amount = amounts[programme]
        for discount in DISCOUNTS:
            applies = discount.first <= month <= discount.last and payer_type not in discount.exempt_payers
            if applies and programme in ("JKK", "JKM"):
                amount = (amount * (100 - discount.percent) + 50) // 100
        total += amount
    return total


def contribution_amount(
    income_bracket: int, programmes: frozenset[str], first_month: str, months: int, payer_type: str
) -> int:
    """Rupiah due for ``months`` consecutive months from ``first_month``, each at its own rate."""
    start = month_index(first_month)
    return sum(
        monthly_amount(income_bracket, programmes, month_text(start + n), payer_type) for n in range(months)
    )
