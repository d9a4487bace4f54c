"""Structurally valid NIKs for simulated workers, and the structure check they must pass."""

import random
import re
from datetime import date, timedelta

#: Kemendagri province codes (38 provinces), as the registration service checks them.
PROVINCE_CODES = frozenset(
    {"11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36"}
    | {"51", "52", "53", "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
    | {"81", "82", "91", "92", "93", "94", "95", "96"}
)


def make_nik(village_code: str, birth: date, *, female: bool, serial: int) -> str:
    """Province + regency + district of the village, DDMMYY (day + 40 for women), 4-digit serial."""
    region = village_code.replace(".", "")[:6]
    day = birth.day + 40 if female else birth.day
    return f"{region}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def birth_date(rng: random.Random, on: date, *, min_age: int = 18, max_age: int = 60) -> date:
    """A birth date making the worker between ``min_age`` and ``max_age`` years old on ``on``."""
    oldest = date(on.year - max_age, on.month, 1)
    youngest = date(on.year - min_age, on.month, 1)
    return oldest + timedelta(days=rng.randrange((youngest - oldest).days))


def nik_problems(nik: str) -> list[str]:
    """The structure rules a NIK breaks (empty when valid): 16 digits, province, date, serial."""
    if not re.fullmatch(r"\d{16}", nik):
        return ["must be exactly 16 digits"]
    problems = []
    if nik[:2] not in PROVINCE_CODES:
        problems.append(f"province code {nik[:2]} does not exist")
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    try:
        date(2000 + year, month, day - 40 if day > 40 else day)
    except ValueError:
        problems.append("birth date digits are not a real date")
    if nik[12:] == "0000":
        problems.append("serial must start at 0001")
    return problems
