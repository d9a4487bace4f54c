"""The contribution rate table: base rates and discounts, each valid for a span of months."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from jangkau_registration.domain.errors import InvalidField
from jangkau_registration.domain.months import Month
from jangkau_shared.events import PayerType, Programme


@dataclass(frozen=True)
class BaseRate:
    """Rates in force from ``valid_from`` through ``valid_until`` (open when None)."""

    valid_from: Month
    valid_until: Month | None
    jkk_basis_points: int
    jkm_flat: int
    jht_basis_points: int

    def covers(self, month: Month) -> bool:
        """Tell whether the rate is in force in ``month``."""
        return self.valid_from <= month and (self.valid_until is None or month <= self.valid_until)

    def amount(self, programme: Programme, bracket: int) -> int:
        """Return the undiscounted monthly amount of one programme, in rupiah."""
        if programme is Programme.JKM:
            return self.jkm_flat
        points = self.jkk_basis_points if programme is Programme.JKK else self.jht_basis_points
        return (bracket * points + 5_000) // 10_000


@dataclass(frozen=True)
class Discount:
    """A relief on some programmes for a span of months, not for exempt payer types."""

    name: str
    valid_from: Month
    valid_until: Month
    programmes: frozenset[Programme]
    percent: int
    exempt_payers: frozenset[PayerType]

    def applies(self, month: Month, programme: Programme, payer: PayerType) -> bool:
        """Tell whether the discount reduces this programme's amount in this month for this payer."""
        in_force = self.valid_from <= month <= self.valid_until
        return in_force and programme in self.programmes and payer not in self.exempt_payers

    def apply(self, amount: int) -> int:
        """Return the discounted amount, rounded half up to whole rupiah."""
        return (amount * (100 - self.percent) + 50) // 100


@dataclass(frozen=True)
class PricedMonth:
    """One month of a contribution: its amount, the base rate priced and the discounts applied.

    A quote shows these, so a cashier can tell which rate period and relief an amount comes from.
    """

    month: Month
    amount: int
    rate: BaseRate
    discounts: tuple[str, ...]


@dataclass(frozen=True)
class RateTable:
    """Everything that prices a contribution, plus the income brackets one may declare."""

    programme_started: date
    income_brackets: tuple[int, ...]
    rates: tuple[BaseRate, ...]
    discounts: tuple[Discount, ...]

    def price(
        self, month: Month, *, bracket: int, programmes: Iterable[Programme], payer: PayerType
    ) -> PricedMonth:
        """Price one month; raise InvalidField when no rate is in force."""
        rate = next((r for r in self.rates if r.covers(month)), None)
        if rate is None:
            raise InvalidField("first_month", str(month), "no contribution rate is in force for this month")
        total = 0
        applied: dict[str, None] = {}  # the names of the discounts applied, in table order, each once
        for programme in sorted(programmes):
            amount = rate.amount(programme, bracket)
            for discount in self.discounts:
                if discount.applies(month, programme, payer):
                    amount = discount.apply(amount)
                    applied[discount.name] = None
            total += amount
        return PricedMonth(month, total, rate, tuple(applied))

    def monthly(
        self, month: Month, *, bracket: int, programmes: Iterable[Programme], payer: PayerType
    ) -> int:
        """Return the amount due for one month; raise InvalidField when no rate is in force."""
        return self.price(month, bracket=bracket, programmes=programmes, payer=payer).amount

    def priced(
        self, first: Month, months: int, *, bracket: int, programmes: Iterable[Programme], payer: PayerType
    ) -> tuple[PricedMonth, ...]:
        """Price ``months`` months from ``first``, each at the rate and discounts of its own month."""
        chosen = tuple(programmes)  # priced once per month: an iterator would run out after the first
        return tuple(
            self.price(first.plus(i), bracket=bracket, programmes=chosen, payer=payer) for i in range(months)
        )


def _month(value: Any) -> Month:
    return Month.parse(str(value), field="rates configuration")


def rate_table(data: Mapping[str, Any]) -> RateTable:
    """Build a rate table from its configuration (the shape of rates.toml)."""
    rates = tuple(
        BaseRate(
            valid_from=_month(r["from"]),
            valid_until=_month(r["until"]) if r.get("until") else None,
            jkk_basis_points=int(r["jkk_basis_points"]),
            jkm_flat=int(r["jkm_flat"]),
            jht_basis_points=int(r["jht_basis_points"]),
        )
        for r in data["rate"]
    )
    discounts = tuple(
        Discount(
            name=str(d["name"]),
            valid_from=_month(d["from"]),
            valid_until=_month(d["until"]),
            programmes=frozenset(Programme(p) for p in d["programmes"]),
            percent=int(d["percent"]),
            exempt_payers=frozenset(PayerType(p) for p in d.get("exempt_payers", [])),
        )
        for d in data.get("discount", [])
    )
    started = data["programme_started"]
    return RateTable(
        programme_started=started if isinstance(started, date) else date.fromisoformat(str(started)),
        income_brackets=tuple(sorted(int(b) for b in data["income_brackets"])),
        rates=rates,
        discounts=discounts,
    )
