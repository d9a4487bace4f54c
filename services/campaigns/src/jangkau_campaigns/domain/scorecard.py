"""Campaign scorecards: who registered, who paid, who is still paying, and the money received."""

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from jangkau_campaigns.domain.attribution import Payment, Registration, paid_through_on
from jangkau_campaigns.domain.campaigns import Campaign
from jangkau_campaigns.domain.months import is_active

#: Days after the campaign's last day at which retention is measured.
RETENTION_DAYS = (30, 90)


@dataclass(frozen=True)
class Retention:
    """Share of the campaign's participants active on ``day`` (None until that day is reached)."""

    days_after_end: int
    day: date
    measured: bool
    base: int
    active: int

    @property
    def share(self) -> float | None:
        """active / base, or None when not measured yet or nobody registered."""
        return _share(self.active, self.base) if self.measured else None


@dataclass(frozen=True)
class PayerTotal:
    """Contributions of one payer type."""

    payments: int
    amount: int


@dataclass(frozen=True)
class Scorecard:
    """Results of one campaign as known on ``as_of``."""

    campaign_id: UUID
    as_of: date
    registrations: int
    target_registrations: int
    by_village: dict[str, int]
    by_segment: dict[str, int]
    paid_once: int
    target_first_payments: int
    retention: tuple[Retention, ...]
    contributions: int
    amount: int
    by_payer: dict[str, PayerTotal]

    @property
    def paid_once_share(self) -> float | None:
        """Share of registered participants who paid at least once."""
        return _share(self.paid_once, self.registrations)

    @property
    def attainment(self) -> float | None:
        """Registrations against the target."""
        return _share(self.registrations, self.target_registrations)

    def retention_after(self, days: int) -> Retention:
        """Return the retention measured ``days`` after the end."""
        return next(r for r in self.retention if r.days_after_end == days)


def score(
    campaign: Campaign,
    *,
    registrations: Sequence[Registration],
    payments: Sequence[Payment],
    credited: Sequence[Payment],
    as_of: date,
) -> Scorecard:
    """Score a campaign: ``payments`` are all payments of its participants, ``credited`` those
    credited to it (by campaign id), whoever the participant."""
    people = [r for r in registrations if r.registered_on <= as_of]
    by_person = _payments_by_participant(payments)
    paid_once = sum(1 for r in people if paid_through_on(by_person[r.participant_id], as_of) is not None)
    money = [p for p in credited if p.paid_on <= as_of]
    return Scorecard(
        campaign_id=campaign.campaign_id,
        as_of=as_of,
        registrations=len(people),
        target_registrations=campaign.target_registrations,
        by_village=dict(sorted(Counter(r.village_code for r in people).items())),
        by_segment=dict(sorted(Counter(r.segment for r in people).items())),
        paid_once=paid_once,
        target_first_payments=campaign.target_first_payments,
        retention=tuple(
            _retention(campaign, registrations, by_person, days, as_of) for days in RETENTION_DAYS
        ),
        contributions=len(money),
        amount=sum(p.amount for p in money),
        by_payer=_by_payer(money),
    )


def _retention(
    campaign: Campaign,
    registrations: Sequence[Registration],
    by_person: dict[UUID, list[Payment]],
    days: int,
    as_of: date,
) -> Retention:
    day = campaign.ended_on + timedelta(days=days)
    if day > as_of:
        return Retention(days, day, measured=False, base=0, active=0)
    base = [r for r in registrations if r.registered_on <= day]
    active = sum(1 for r in base if is_active(paid_through_on(by_person[r.participant_id], day), day))
    return Retention(days, day, measured=True, base=len(base), active=active)


def _payments_by_participant(payments: Sequence[Payment]) -> defaultdict[UUID, list[Payment]]:
    grouped: defaultdict[UUID, list[Payment]] = defaultdict(list)
    for payment in payments:
        grouped[payment.participant_id].append(payment)
    return grouped


def _by_payer(payments: Sequence[Payment]) -> dict[str, PayerTotal]:
    totals: dict[str, PayerTotal] = {}
    for p in sorted(payments, key=lambda p: p.payer_type):
        seen = totals.get(p.payer_type, PayerTotal(0, 0))
        totals[p.payer_type] = PayerTotal(seen.payments + 1, seen.amount + p.amount)
    return totals


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class Standing:
    """One campaign's place on its branch's leaderboard."""

    rank: int
    campaign: Campaign
    scorecard: Scorecard


def leaderboard(scored: Sequence[tuple[Campaign, Scorecard]]) -> list[Standing]:
    """Rank campaigns by registrations, then by the share who paid, then by 90-day retention."""

    def key(item: tuple[Campaign, Scorecard]) -> tuple[int, float, float, str]:
        card = item[1]
        kept = card.retention_after(90).share
        return (-card.registrations, -(card.paid_once_share or 0.0), -(kept or 0.0), item[0].name)

    ranked = sorted(scored, key=key)
    return [Standing(rank, c, s) for rank, (c, s) in enumerate(ranked, start=1)]
