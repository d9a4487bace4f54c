"""Calendar months, the unit contributions are paid and rated in."""

import re
from dataclasses import dataclass
from datetime import date

from jangkau_registration.domain.errors import InvalidField

_SHAPE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, order=True)
class Month:
    """One calendar month; ``str()`` gives ``YYYY-MM``."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str, *, field: str = "month") -> "Month":
        """Read ``YYYY-MM``; raise InvalidField naming ``field`` otherwise."""
        found = _SHAPE.match(text)
        if found is None:
            raise InvalidField(field, text, "must be a month written YYYY-MM")
        return cls(int(found.group(1)), int(found.group(2)))

    @classmethod
    def of(cls, day: date) -> "Month":
        """Return the month a day falls in."""
        return cls(day.year, day.month)

    @property
    def index(self) -> int:
        """Months since year 0: differences of indexes count months."""
        return self.year * 12 + self.month - 1

    def plus(self, months: int) -> "Month":
        """Return the month ``months`` later (earlier when negative)."""
        index = self.index + months
        return Month(index // 12, index % 12 + 1)

    def first_day(self) -> date:
        """Return the first day of the month."""
        return date(self.year, self.month, 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"
