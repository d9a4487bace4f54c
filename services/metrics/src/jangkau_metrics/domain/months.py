"""Calendar rules of BPU participation: which month is due on a date, and the state it gives."""

from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Final

#: Contributions for a month are due by this day of that month (inclusive).
DUE_DAY: Final = 15
#: Months behind that are still arrears; one more and the participation lapses.
MAX_ARREARS: Final = 3


class State(StrEnum):
    """Where a registered participant stands on a given day."""

    NEVER_PAID = "never_paid"
    ACTIVE = "active"
    ARREARS_1 = "arrears_1"
    ARREARS_2 = "arrears_2"
    ARREARS_3 = "arrears_3"
    LAPSED = "lapsed"


ARREARS: Final = (State.ARREARS_1, State.ARREARS_2, State.ARREARS_3)


@lru_cache(maxsize=4096)  # a few dozen distinct months in any stream; called three times per payment
def month_index(text: str) -> int:
    """Turn ``YYYY-MM`` into a month number that subtracts (months since year 0)."""
    year, month = text.split("-")
    return int(year) * 12 + int(month) - 1


def month_text(index: int) -> str:
    """Turn a month number back into ``YYYY-MM``."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def last_due_month(day: date) -> int:
    """The latest month whose contribution is overdue on ``day`` (due by the 15th, late from the 16th)."""
    current = day.year * 12 + day.month - 1
    return current if day.day > DUE_DAY else current - 1


def standing(behind: int) -> State:
    """The state of a participant who paid, with ``behind`` overdue months unpaid (0 or less: paid up)."""
    if behind <= 0:
        return State.ACTIVE
    if behind <= MAX_ARREARS:
        return ARREARS[behind - 1]
    return State.LAPSED


def state_of(paid_through: int | None, day: date) -> State:
    """The state of a registered participant paid through ``paid_through`` (None: never paid)."""
    if paid_through is None:
        return State.NEVER_PAID
    return standing(last_due_month(day) - paid_through)
