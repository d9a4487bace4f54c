"""Contributions: which months a payment may cover, what it must amount to, what it reactivates.

A quote answers the same questions before the money is taken, with the same code.
"""

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from uuid import UUID

from jangkau_registration.domain.coverage import RECOVERABLE_MONTHS, State, last_due_month, standing
from jangkau_registration.domain.errors import AmountMismatch, InvalidField
from jangkau_registration.domain.months import Month
from jangkau_registration.domain.participants import ParticipantRecord, check_field_date
from jangkau_registration.domain.rates import PricedMonth, RateTable
from jangkau_shared.events import Channel, ContributionPaidV1, PayerType

ALLOWED_MONTHS = (1, 3, 6, 12)
#: How far ahead of the month of payment a participant may be paid through.
MAX_MONTHS_AHEAD = 12


@dataclass(frozen=True)
class PayContribution:
    """Command: record money received for consecutive months of one participant."""

    contribution_id: UUID
    participant_id: UUID
    first_month: Month
    months: int
    amount: int
    payer_type: PayerType
    channel: Channel
    paid_on: date
    campaign_id: UUID | None = None

    def canonical(self) -> bytes:
        """Return the content as canonical bytes: replays compare their fingerprints."""
        return json.dumps(asdict(self), sort_keys=True, default=str).encode()


@dataclass(frozen=True)
class Contribution:
    """An accepted payment and its effect on the participant's paid-through month."""

    cmd: PayContribution
    participant: ParticipantRecord
    paid_through: Month
    reactivated: bool
    paid_at: datetime

    def paid_event(self) -> ContributionPaidV1:
        """Return the public fact of this payment, without personal data."""
        cmd, who = self.cmd, self.participant
        return ContributionPaidV1(
            contribution_id=cmd.contribution_id,
            participant_id=who.participant_id,
            branch=who.branch,
            village_code=who.village_code,
            segment=who.segment,
            first_month=str(cmd.first_month),
            months=cmd.months,  # checked against ALLOWED_MONTHS before
            paid_through=str(self.paid_through),
            amount=cmd.amount,
            programmes=sorted(who.programmes),
            payer_type=cmd.payer_type,
            channel=cmd.channel,
            campaign_id=cmd.campaign_id,
            reactivated=self.reactivated,
            paid_on=cmd.paid_on,
            paid_at=self.paid_at,
        )


def _first_month_rule(who: ParticipantRecord, paid_on: date) -> tuple[Month, Month, bool]:
    """Return (earliest, latest) first month allowed on ``paid_on`` and whether it reactivates."""
    current = Month.of(paid_on)
    now = standing(who.paid_through, paid_on)
    if now.state is State.LAPSED:
        return current, current, True  # coverage restarts with the month of payment
    if now.state is State.NEVER_PAID or who.paid_through is None:
        earliest = max(Month.of(who.registered_on), last_due_month(paid_on).plus(1 - RECOVERABLE_MONTHS))
        return earliest, max(earliest, current.plus(1)), False
    following = who.paid_through.plus(1)
    return following, following, False


def _check_months(
    first_month: Month, months: int, paid_on: date, who: ParticipantRecord
) -> tuple[Month, bool]:
    if months not in ALLOWED_MONTHS:
        raise InvalidField("months", months, "must be 1, 3, 6 or 12")
    earliest, latest, reactivates = _first_month_rule(who, paid_on)
    if not earliest <= first_month <= latest:
        allowed = str(earliest) if earliest == latest else f"between {earliest} and {latest}"
        why = (
            "the participant has lapsed: coverage restarts with the month of payment"
            if reactivates
            else ("payments continue from the paid-through month; arrears older than 3 months cannot be paid")
        )
        raise InvalidField("first_month", str(first_month), f"must be {allowed} ({why})")
    paid_through = first_month.plus(months - 1)
    limit = Month.of(paid_on).plus(MAX_MONTHS_AHEAD)
    if paid_through > limit:
        raise InvalidField("months", months, f"would pay through {paid_through}, beyond {limit}")
    return paid_through, reactivates


@dataclass(frozen=True)
class Quote:
    """What a payment of some months would amount to and do, were it received on ``paid_on``.

    Payments are checked against a quote made by the same function (``price_contribution``), so
    a quote and an accepted payment cannot disagree.
    """

    participant: ParticipantRecord
    first_month: Month
    payer_type: PayerType
    paid_on: date
    priced: tuple[PricedMonth, ...]
    reactivates: bool

    @property
    def months(self) -> int:
        """How many months the payment covers."""
        return len(self.priced)

    @property
    def paid_through(self) -> Month:
        """The month the payment would pay through: its last month."""
        return self.priced[-1].month

    @property
    def amount(self) -> int:
        """Rupiah due: the sum of the months' amounts."""
        return sum(m.amount for m in self.priced)


def price_contribution(
    participant: ParticipantRecord,
    *,
    first_month: Month,
    months: int,
    payer: PayerType,
    paid_on: date,
    rates: RateTable,
    today: date,
) -> Quote:
    """Check the months a payment would cover against the participant's standing; price them.

    Every rule of a payment but its amount: the day, the months allowed, the rate in force.
    """
    check_field_date("paid_on", paid_on, today=today, earliest=rates.programme_started)
    if paid_on < participant.registered_on:
        raise InvalidField("paid_on", paid_on.isoformat(), "is before the participant was registered")
    _, reactivates = _check_months(first_month, months, paid_on, participant)
    bracket, programmes = participant.income_bracket, participant.programmes
    priced = rates.priced(first_month, months, bracket=bracket, programmes=programmes, payer=payer)
    return Quote(participant, first_month, payer, paid_on, priced, reactivates)


def accept_contribution(
    cmd: PayContribution, *, participant: ParticipantRecord, rates: RateTable, today: date, now: datetime
) -> Contribution:
    """Check a payment against the participant's standing and the rate table; return its effect."""
    quote = price_contribution(
        participant,
        first_month=cmd.first_month,
        months=cmd.months,
        payer=cmd.payer_type,
        paid_on=cmd.paid_on,
        rates=rates,
        today=today,
    )
    if cmd.amount != quote.amount:
        raise AmountMismatch(expected=quote.amount, given=cmd.amount)
    return Contribution(cmd, participant, quote.paid_through, quote.reactivates, now)
