"""NIK, Indonesia's 16-digit national identity number: structure checks only (no check digit)."""

import re
from dataclasses import dataclass
from datetime import date

from jangkau_registration.domain.errors import InvalidField

_SHAPE = re.compile(r"^\d{16}$")

#: Kemendagri province codes (38 provinces since the 2022 Papua split).
PROVINCE_CODES = frozenset(
    {"11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36"}
    | {"51", "52", "53", "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
    | {"81", "82", "91", "92", "93", "94", "95", "96"}
)


def masked(nik: str) -> str:
    """Return a form safe to show back to the team that typed it: region digits and serial hidden."""
    return f"{nik[:2]}{'*' * 12}{nik[-2:]}" if len(nik) == 16 else "*" * len(nik)


@dataclass(frozen=True)
class Nik:
    """A structurally valid NIK; ``str()`` never reveals it."""

    value: str

    @classmethod
    def parse(cls, raw: str) -> "Nik":
        """Validate shape, province code, birth date and serial; raise InvalidField naming the rule."""
        if not _SHAPE.match(raw):
            raise InvalidField("nik", masked(raw), "must be exactly 16 digits")
        if raw[:2] not in PROVINCE_CODES:
            raise InvalidField("nik", masked(raw), f"province code {raw[:2]} does not exist")
        if raw[12:] == "0000":
            raise InvalidField("nik", masked(raw), "serial must start at 0001")
        nik = cls(raw)
        nik.birth_date()  # raises on an impossible date
        return nik

    def birth_date(self, *, today: date | None = None) -> date:
        """Return the birth date coded in digits 7-12 (day + 40 for women)."""
        day, month, year2 = int(self.value[6:8]), int(self.value[8:10]), int(self.value[10:12])
        day = day - 40 if day > 40 else day
        current = (today or date.today()).year % 100
        year = 2000 + year2 if year2 <= current else 1900 + year2
        try:
            return date(year, month, day)
        except ValueError as err:
            raise InvalidField("nik", masked(self.value), "birth date digits are not a real date") from err

    def sex(self) -> str:
        """Return ``F`` when the day digits carry the +40 of women, else ``M``."""
        return "F" if int(self.value[6:8]) > 40 else "M"

    def __str__(self) -> str:
        return masked(self.value)

    def __repr__(self) -> str:
        return f"Nik({masked(self.value)})"
