"""Calendar months, the unit contributions are paid in, and when a month's contribution is due."""

from dataclasses import dataclass
from datetime import date
from typing import Self

#: Contributions are due by this day of the month they cover (docs/domain.md#standing).
DUE_DAY = 15


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, ordered and countable."""

    index: int  # year * 12 + (month - 1)

    @classmethod
    def of(cls, year: int, month: int) -> Self:
        """Return the month ``year``-``month``."""
        if not 1 <= month <= 12:
            raise ValueError(f"month {month} is not 1..12")
        return cls(year * 12 + month - 1)

    @classmethod
    def containing(cls, day: date) -> Self:
        """Return the month ``day`` falls in."""
        return cls.of(day.year, day.month)

    @classmethod
    def parse(cls, text: str) -> Self:
        """Parse ``YYYY-MM``."""
        year, _, month = text.partition("-")
        try:
            return cls.of(int(year), int(month))
        except ValueError as err:
            raise ValueError(f"{text!r} is not a YYYY-MM month") from err

    @property
    def year(self) -> int:
        """Calendar year."""
        return self.index // 12

    @property
    def month(self) -> int:
        """Month of the year, 1..12."""
        return self.index % 12 + 1

    def first_day(self) -> date:
        """Return the first day of the month."""
        return date(self.year, self.month, 1)

    def __add__(self, months: int) -> "Month":
        return Month(self.index + months)

    def __sub__(self, months: int) -> "Month":
        return Month(self.index - months)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def last_month_due(day: date) -> Month:
    """Return the latest month whose contribution is overdue-or-due on ``day``.

    The current month's contribution is due by its 15th: up to the 15th a participant paid
    through the previous month is still up to date; from the 16th they need the current month.
    """
    current = Month.containing(day)
    return current if day.day > DUE_DAY else current - 1


def is_active(paid_through: Month | None, day: date) -> bool:
    """Return True when a participant paid through ``paid_through`` is up to date on ``day``."""
    return paid_through is not None and paid_through >= last_month_due(day)
