"""Programme rules the simulator must agree on with the services: participant state and rates.

Both are copied (not imported) from DOMAIN.md and the services, because a field tool must not
depend on a service's package; tests pin the hand-checked cases.
"""

from datetime import date
from enum import StrEnum
from typing import Final

#: A month's contribution is due by this day of that month (inclusive).
DUE_DAY: Final = 15
#: Unpaid overdue months that are still arrears; one more and participation lapses.
MAX_ARREARS: Final = 3

JKM_FLAT: Final = 6_800
JKK_PERCENT: Final = 1
JHT_PERCENT: Final = 2
#: The April-December 2026 discount: half of JKK and JKM, not for budget-paid participants.
DISCOUNT_MONTHS: Final = ("2026-04", "2026-12")
DISCOUNT_EXEMPT_PAYERS: Final = frozenset({"regional_budget", "national_budget"})


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
    current = today.year * 12 + today.month - 1
    last_due = current if today.day > DUE_DAY else current - 1
    behind = max(0, last_due - month_index(paid_through))
    if behind == 0:
        return State.ACTIVE
    if behind <= MAX_ARREARS:
        return (State.ARREARS_1, State.ARREARS_2, State.ARREARS_3)[behind - 1]
    return State.LAPSED


def monthly_amount(income_bracket: int, programmes: frozenset[str], month: str, payer_type: str) -> int:
    """Rupiah due for one month: JKK 1 % of the bracket + JKM Rp 6,800 (+ JHT 2 %), discounts applied."""
    jkk_jkm = income_bracket * JKK_PERCENT // 100 + JKM_FLAT
    discounted = (
        DISCOUNT_MONTHS[0] <= month <= DISCOUNT_MONTHS[1] and payer_type not in DISCOUNT_EXEMPT_PAYERS
    )
    if discounted:
        jkk_jkm //= 2
    jht = income_bracket * JHT_PERCENT // 100 if "JHT" in programmes else 0
    return jkk_jkm + jht


def contribution_amount(
    income_bracket: int, programmes: frozenset[str], first_month: str, months: int, payer_type: str
) -> int:
    """Rupiah due for ``months`` consecutive months from ``first_month``, each at its own rate."""
    start = month_index(first_month)
    return sum(
        monthly_amount(income_bracket, programmes, month_text(start + n), payer_type) for n in range(months)
    )
