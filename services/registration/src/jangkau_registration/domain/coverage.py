"""A participant's standing on a day: never paid, active, in arrears (1-3 months) or lapsed."""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from jangkau_registration.domain.months import Month

#: Contributions are due by this day of the month they cover.
DUE_DAY = 15
#: Months of arrears that may still be paid; one more and the participation lapses.
RECOVERABLE_MONTHS = 3


class State(StrEnum):
    """Where a participant stands."""

    NEVER_PAID = "never_paid"
    ACTIVE = "active"
    ARREARS = "arrears"
    LAPSED = "lapsed"


@dataclass(frozen=True)
class Standing:
    """A state and, for arrears and lapsed, how many due months are unpaid."""

    state: State
    unpaid_months: int = 0


def last_due_month(day: date) -> Month:
    """Return the latest month whose due date (the 15th) has passed on ``day``."""
    current = Month.of(day)
    return current if day.day > DUE_DAY else current.plus(-1)


def standing(paid_through: Month | None, as_of: date) -> Standing:
    """Return the standing on ``as_of`` of a participant paid through ``paid_through``."""
    if paid_through is None:
        return Standing(State.NEVER_PAID)
    behind = last_due_month(as_of).index - paid_through.index
    if behind <= 0:
        return Standing(State.ACTIVE)
    if behind <= RECOVERABLE_MONTHS:
        return Standing(State.ARREARS, behind)
    return Standing(State.LAPSED, behind)
