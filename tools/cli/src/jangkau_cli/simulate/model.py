"""Generate a scenario's registrations and payments, deterministically from a seed."""

import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from jangkau_cli.simulate.names import person_name
from jangkau_cli.simulate.nik import birth_date, make_nik
from jangkau_cli.simulate.rules import contribution_amount, month_of, month_text
from jangkau_cli.simulate.scenarios import Scenario, Wave

INCOME_BRACKETS = (
    (1_000_000, 0.55),
    (1_500_000, 0.15),
    (2_000_000, 0.15),
    (2_500_000, 0.08),
    (3_000_000, 0.07),
)
JHT_SHARE = 0.2
#: Ways a field entry goes wrong, each rejected by the registration API's rules.
BAD_REGISTRATIONS = ("nik_province", "nik_date", "programmes", "future")
BAD_CONTRIBUTIONS = ("amount", "months")


@dataclass
class Item:
    """One thing the simulator sends: its API body, its branch, and whether the server should take it."""

    kind: str  # "registration" or "contribution"
    body: dict[str, Any]
    branch: str
    valid: bool = True
    wave: str = ""
    #: The day the field team recorded it (YYYY-MM-DD); empty: its ``registered_on`` or ``paid_on``.
    #: A wrongly typed entry keeps the day of the good one it was typed from, even when its wrong
    #: field is that date (a registration dated 2099).
    recorded_on: str = ""

    @property
    def day(self) -> str:
        """The day the item was recorded, YYYY-MM-DD: what a count as of a day filters on."""
        return self.recorded_on or str(self.body.get("registered_on") or self.body["paid_on"])


@dataclass
class Plan:
    """Everything a scenario run sends, in the order a field team would have recorded it."""

    scenario: Scenario
    today: date
    registrations: list[Item] = field(default_factory=list)
    contributions: list[Item] = field(default_factory=list)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _weighted(rng: random.Random, choices: tuple[tuple[Any, float], ...]) -> Any:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights)[0]


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


class Generator:
    """Builds a Plan; one Random drives everything so the same seed gives the same plan."""

    def __init__(
        self, scenario: Scenario, *, scale: float, seed: int, today: date, invalid_share: float
    ) -> None:
        self.scenario, self.scale, self.today, self.invalid_share = scenario, scale, today, invalid_share
        self.rng = random.Random(f"{scenario.name}:{seed}")  # noqa: S311 - reproducible demo data, not secrets
        self.serials: Counter[str] = Counter()
        self.plan = Plan(scenario, today)

    def build(self, campaign_ids: dict[str, str] | None = None) -> Plan:
        """Generate every wave; campaign ids (by wave name) are attached to that wave's items."""
        for wave in self.scenario.waves:
            count = max(1, round(wave.count * self.scale))
            for _ in range(count):
                self._person(wave, (campaign_ids or {}).get(wave.name))
        self.plan.registrations.sort(key=lambda item: item.body["registered_on"])
        self.plan.contributions.sort(key=lambda item: item.body["paid_on"])
        return self.plan

    def _person(self, wave: Wave, campaign_id: str | None) -> None:
        rng = self.rng
        village = rng.choice(wave.villages)
        registered_on = _day(rng, wave.start, wave.end)
        female = rng.random() < 0.45
        birth = birth_date(rng, registered_on)
        region_day = make_nik(village.code, birth, female=female, serial=0)[:12]
        self.serials[region_day] += 1
        body: dict[str, Any] = {
            "client_id": _uuid(rng),
            "nik": f"{region_day}{self.serials[region_day]:04d}",
            "name": person_name(rng, village.code[:2], female=female),
            "branch": village.branch,
            "village_code": village.code,
            "segment": rng.choice(wave.segments),
            "programmes": ["JKK", "JKM", "JHT"] if rng.random() < JHT_SHARE else ["JKK", "JKM"],
            "income_bracket": _weighted(rng, INCOME_BRACKETS),
            "channel": wave.channel,
            "registered_on": registered_on.isoformat(),
            "campaign_id": campaign_id,
        }
        behaviour = _weighted(rng, wave.behaviour)
        on_spot = rng.random() < wave.pays_on_spot
        if registered_on > self.today:
            return
        if rng.random() < self.invalid_share:
            self._bad_registration(body, village.branch, wave.name)
        self.plan.registrations.append(
            Item("registration", body, village.branch, wave=wave.name, recorded_on=body["registered_on"])
        )
        for first_month, months, paid_on in payments(
            rng, behaviour, registered_on, self.today, on_spot=on_spot
        ):
            self._contribution(body, wave, first_month, months, paid_on)

    def _contribution(
        self, person: dict[str, Any], wave: Wave, first_month: str, months: int, paid_on: date
    ) -> None:
        programmes = frozenset(person["programmes"])
        amount = contribution_amount(
            person["income_bracket"], programmes, first_month, months, wave.payer_type
        )
        body = {
            "client_id": _uuid(self.rng),
            "participant_client_id": person["client_id"],
            "first_month": first_month,
            "months": months,
            "amount": amount,
            "payer_type": wave.payer_type,
            "channel": wave.channel,
            "campaign_id": person["campaign_id"],
            "paid_on": paid_on.isoformat(),
        }
        self.plan.contributions.append(
            Item("contribution", body, person["branch"], wave=wave.name, recorded_on=body["paid_on"])
        )
        if self.rng.random() < self.invalid_share:
            bad = {**body, "client_id": _uuid(self.rng)}
            if self.rng.choice(BAD_CONTRIBUTIONS) == "amount":
                bad["amount"] = amount + 1_000
            else:
                bad["months"] = 2
            self.plan.contributions.append(
                Item("contribution", bad, person["branch"], False, wave.name, body["paid_on"])
            )

    def _bad_registration(self, good: dict[str, Any], branch: str, wave: str) -> None:
        """Add a wrongly typed entry for someone else (never instead of the good one)."""
        body = {**good, "client_id": _uuid(self.rng)}
        fault = self.rng.choice(BAD_REGISTRATIONS)
        nik = good["nik"]
        if fault == "nik_province":
            body["nik"] = "00" + nik[2:]
        elif fault == "nik_date":
            body["nik"] = nik[:8] + "13" + nik[10:]  # month 13
        elif fault == "programmes":
            body["programmes"] = ["JKK"]
        else:
            body["registered_on"] = "2099-01-01"
        bad = Item("registration", body, branch, valid=False, wave=wave, recorded_on=good["registered_on"])
        self.plan.registrations.append(bad)


def payments(
    rng: random.Random, behaviour: str, registered_on: date, today: date, *, on_spot: bool
) -> list[tuple[str, int, date]]:
    """The payments (first month, months, paid on) of one participant up to ``today``, on time, no gaps."""
    if behaviour == "never":
        return []
    first_paid = registered_on if on_spot else registered_on + timedelta(days=rng.randrange(11))
    length = {"three": 3, "yearly": 12}.get(behaviour, 1)
    renewals = {"one": 0, "three": 0, "stops": rng.randrange(1, 8)}.get(behaviour, 10_000)
    month = month_of(registered_on)
    paid_on, result = first_paid, []
    while paid_on <= today:
        result.append((month_text(month), length, paid_on))
        if len(result) > renewals:
            break
        month += length
        # On time (by the 15th of the month it covers), never before the previous payment.
        paid_on = max(paid_on, date(month // 12, month % 12 + 1, rng.randint(1, 15)))
    return result
