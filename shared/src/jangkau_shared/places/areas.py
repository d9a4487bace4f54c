"""Indonesia's administrative areas with their Kemendagri codes, loaded from areas.csv.gz."""

from __future__ import annotations

import csv
import functools
import gzip
import io
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Literal

Level = Literal["province", "regency", "district", "village"]
LEVELS: tuple[Level, ...] = ("province", "regency", "district", "village")
DATA_FILE = "areas.csv.gz"

# Digits in an undotted code, by level: 51 / 5171 / 517101 / 5171011001.
_LEVEL_BY_DIGITS: dict[int, Level] = {2: "province", 4: "regency", 6: "district", 10: "village"}


@dataclass(frozen=True, slots=True)
class Area:
    """One administrative area: province, regency/city, district or village."""

    code: str
    name: str
    level: Level
    parent: str | None


def normalize_code(code: str) -> str:
    """Return the dotted Kemendagri form ("51.71.01.1001") of a dotted or undotted code."""
    digits = code.strip().replace(".", "")
    if not digits.isascii() or not digits.isdigit() or len(digits) not in _LEVEL_BY_DIGITS:
        raise ValueError(f"not a Kemendagri area code: {code!r}")
    parts = [digits[0:2], digits[2:4], digits[4:6], digits[6:10]]
    return ".".join(part for part in parts if part)


def level_of(code: str) -> Level:
    """Return the level a code denotes by its shape alone."""
    return _LEVEL_BY_DIGITS[len(normalize_code(code).replace(".", ""))]


def province_of(code: str) -> str:
    """Return the 2-digit province code of any area code ("5171011001" -> "51")."""
    return normalize_code(code)[:2]


def regency_of(code: str) -> str:
    """Return the dotted regency/city code of a regency-or-lower code (-> "51.71")."""
    dotted = normalize_code(code)
    if len(dotted) < 5:
        raise ValueError(f"a province code has no regency: {code!r}")
    return dotted[:5]


def village_kind(code: str) -> Literal["kelurahan", "desa"]:
    """Tell a kelurahan (serial 1xxx) from a desa (serial 2xxx) by its village code."""
    dotted = normalize_code(code)
    if len(dotted) != 13:
        raise ValueError(f"not a village code: {code!r}")
    return "kelurahan" if dotted[9] == "1" else "desa"


def load_areas() -> Iterator[Area]:
    """Yield every area from the packaged areas.csv.gz, parents before children."""
    resource = resources.files(__package__ or "jangkau_shared.places").joinpath(DATA_FILE)
    with resource.open("rb") as raw, gzip.open(raw) as unzipped:
        text = io.TextIOWrapper(unzipped, encoding="utf-8", newline="")
        for row in csv.DictReader(text):
            level = row["level"]
            if level not in LEVELS:
                raise ValueError(f"unknown level {level!r} for {row['code']}")
            yield Area(row["code"], row["name"], level, row["parent"] or None)


class AreaIndex:
    """In-memory lookup of areas by code; build once and share."""

    def __init__(self, areas: Iterable[Area]) -> None:
        """Index the given areas by their dotted code."""
        self._by_code: dict[str, Area] = {area.code: area for area in areas}
        self._provinces = frozenset(code for code, area in self._by_code.items() if area.level == "province")

    def __len__(self) -> int:
        """Return the number of indexed areas."""
        return len(self._by_code)

    def __contains__(self, code: object) -> bool:
        """Tell whether a (dotted or undotted) code is a known area."""
        return isinstance(code, str) and self.get(code) is not None

    def get(self, code: str) -> Area | None:
        """Return the area for a dotted or undotted code, or None if unknown or malformed."""
        try:
            return self._by_code.get(normalize_code(code))
        except ValueError:
            return None

    def name_of(self, code: str) -> str | None:
        """Return the area's name, or None if the code is unknown."""
        area = self.get(code)
        return area.name if area else None

    def parents(self, code: str) -> list[Area]:
        """Return the chain of areas from the province down to the area itself."""
        chain: list[Area] = []
        area = self.get(code)
        while area is not None:
            chain.append(area)
            area = self._by_code.get(area.parent) if area.parent else None
        return chain[::-1]

    def children(self, code: str) -> list[Area]:
        """Return the areas directly under the given area, sorted by code (a full scan)."""
        parent = normalize_code(code)
        return sorted(
            (area for area in self._by_code.values() if area.parent == parent),
            key=lambda area: area.code,
        )

    def by_level(self, level: Level) -> list[Area]:
        """Return all areas of one level, sorted by code."""
        return sorted(
            (area for area in self._by_code.values() if area.level == level),
            key=lambda area: area.code,
        )

    def counts(self) -> dict[Level, int]:
        """Return how many areas each level has."""
        counter = Counter(area.level for area in self._by_code.values())
        return {level: counter[level] for level in LEVELS}

    def is_village(self, code: str) -> bool:
        """Tell whether the code is a known village (desa or kelurahan)."""
        area = self.get(code)
        return area is not None and area.level == "village"

    def province_codes(self) -> frozenset[str]:
        """Return the 2-digit province codes, e.g. to check the first digits of a NIK."""
        return self._provinces


@functools.cache
def default_index() -> AreaIndex:
    """Return the process-wide index over the packaged data, built on first use."""
    return AreaIndex(load_areas())


def province_code_set() -> frozenset[str]:
    """Return the known 2-digit province codes ("11" … "96"), as a NIK starts with one."""
    return default_index().province_codes()
