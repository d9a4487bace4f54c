"""Pure rules: months, standing, the rate table, which months a payment may cover."""

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest

from jangkau_registration.bootstrap import load_rates
from jangkau_registration.domain.contributions import PayContribution, accept_contribution
from jangkau_registration.domain.coverage import Standing, State, last_due_month, standing
from jangkau_registration.domain.errors import AmountMismatch, InvalidField
from jangkau_registration.domain.months import Month
from jangkau_registration.domain.nik import Nik
from jangkau_registration.domain.participants import ParticipantRecord, RegisterWorker, check_name
from jangkau_shared.events import Channel, PayerType, Programme, Segment

RATES = load_rates()
BASIC = frozenset({Programme.JKK, Programme.JKM})


def test_months_add_across_years_and_print_as_year_month() -> None:
    assert str(Month(2026, 11).plus(3)) == "2027-02"
    assert str(Month(2026, 1).plus(-1)) == "2025-12"
    assert Month.parse("2026-04") == Month(2026, 4)


def test_a_malformed_month_names_the_field() -> None:
    with pytest.raises(InvalidField) as err:
        Month.parse("2026-4", field="first_month")
    assert err.value.field == "first_month"


@pytest.mark.parametrize(
    ("day", "due"), [(date(2026, 4, 15), Month(2026, 3)), (date(2026, 4, 16), Month(2026, 4))]
)
def test_a_month_is_due_after_its_fifteenth(day: date, due: Month) -> None:
    assert last_due_month(day) == due


@pytest.mark.parametrize(
    ("as_of", "state", "unpaid"),
    [
        (date(2026, 4, 15), State.ACTIVE, 0),
        (date(2026, 4, 16), State.ARREARS, 1),
        (date(2026, 7, 15), State.ARREARS, 3),
        (date(2026, 7, 16), State.LAPSED, 4),
    ],
)
def test_standing_follows_the_paid_through_month_and_the_day(as_of: date, state: State, unpaid: int) -> None:
    assert standing(Month(2026, 3), as_of) == Standing(state, unpaid)


def test_a_participant_who_never_paid_is_never_paid_however_long_ago() -> None:
    assert standing(None, date(2030, 1, 1)).state is State.NEVER_PAID


@pytest.mark.parametrize(
    ("month", "payer", "programmes", "bracket", "amount"),
    [
        (Month(2026, 3), PayerType.SELF, BASIC, 1_000_000, 16_800),
        (Month(2026, 4), PayerType.SELF, BASIC, 1_000_000, 8_400),
        (Month(2026, 12), PayerType.SPONSOR, BASIC, 1_000_000, 8_400),
        (Month(2027, 1), PayerType.SELF, BASIC, 1_000_000, 16_800),
        (Month(2026, 4), PayerType.REGIONAL_BUDGET, BASIC, 1_000_000, 16_800),
        (Month(2026, 4), PayerType.NATIONAL_BUDGET, BASIC, 1_000_000, 16_800),
        (Month(2025, 1), PayerType.SELF, BASIC | {Programme.JHT}, 1_000_000, 36_800),
        (Month(2020, 8), PayerType.SELF, BASIC, 1_000_000, 168),
        (Month(2021, 2), PayerType.SELF, BASIC, 1_000_000, 16_800),
        (Month(2024, 5), PayerType.FAMILY, BASIC, 2_500_000, 25_000 + 6_800),
    ],
)
def test_the_rate_in_force_prices_each_month(
    month: Month, payer: PayerType, programmes: frozenset[Programme], bracket: int, amount: int
) -> None:
    assert RATES.monthly(month, bracket=bracket, programmes=programmes, payer=payer) == amount


def test_no_month_before_the_programme_has_a_rate() -> None:
    with pytest.raises(InvalidField, match="no contribution rate"):
        RATES.monthly(Month(2015, 6), bracket=1_000_000, programmes=BASIC, payer=PayerType.SELF)


def _record(paid_through: Month | None, registered_on: date = date(2026, 1, 10)) -> ParticipantRecord:
    return ParticipantRecord(
        uuid4(), "denpasar", "51.71.01.1003", Segment.FARMER, BASIC, 1_000_000, Channel.BOOTH,
        registered_on, paid_through,
    )  # fmt: skip


def _pay(first: Month, months: int, amount: int, paid_on: date) -> PayContribution:
    return PayContribution(uuid4(), uuid4(), first, months, amount, PayerType.SELF, Channel.BOOTH, paid_on)


def _accept(who: ParticipantRecord, cmd: PayContribution) -> tuple[str, bool]:
    now = datetime(2026, 11, 23, tzinfo=UTC)
    done = accept_contribution(cmd, participant=who, rates=RATES, today=date(2026, 11, 23), now=now)
    return str(done.paid_through), done.reactivated


def test_a_payment_continues_from_the_paid_through_month() -> None:
    assert _accept(_record(Month(2026, 1)), _pay(Month(2026, 2), 1, 16_800, date(2026, 2, 1))) == (
        "2026-02",
        False,
    )
    with pytest.raises(InvalidField, match="must be 2026-02"):
        _accept(_record(Month(2026, 1)), _pay(Month(2026, 3), 1, 16_800, date(2026, 2, 1)))


def test_a_lapsed_participant_restarts_with_the_month_of_payment() -> None:
    lapsed = _record(Month(2026, 1))
    assert _accept(lapsed, _pay(Month(2026, 6), 1, 8_400, date(2026, 6, 1))) == ("2026-06", True)
    with pytest.raises(InvalidField, match="lapsed"):
        _accept(lapsed, _pay(Month(2026, 2), 1, 16_800, date(2026, 6, 1)))


def test_a_first_payment_may_cover_at_most_three_months_of_arrears() -> None:
    late = _record(None, registered_on=date(2026, 1, 2))
    with pytest.raises(InvalidField, match="between 2026-04 and 2026-07"):
        _accept(late, _pay(Month(2026, 3), 1, 16_800, date(2026, 6, 20)))
    assert _accept(late, _pay(Month(2026, 4), 1, 8_400, date(2026, 6, 20)))[0] == "2026-04"


def test_a_payment_may_not_reach_beyond_twelve_months_ahead() -> None:
    ahead = _record(Month(2027, 5))
    with pytest.raises(InvalidField, match="beyond 2027-11"):
        _accept(ahead, _pay(Month(2027, 6), 12, 12 * 16_800, date(2026, 11, 1)))


def test_a_wrong_amount_carries_the_expected_and_given_amounts() -> None:
    with pytest.raises(AmountMismatch) as err:
        _accept(_record(None), _pay(Month(2026, 1), 3, 1, date(2026, 1, 10)))
    assert (err.value.expected, err.value.given) == (50_400, 1)


@pytest.mark.parametrize("name", ["Ni Made Contoh", "I Gusti Ngurah Rai", "Siti Nur'aini", "Dewa Ayu K."])
def test_ordinary_names_are_accepted(name: str) -> None:
    check_name(name)


def test_a_nik_codes_sex_and_birth_date() -> None:
    woman = Nik.parse("5171015508850001")
    assert woman.sex() == "F"
    assert woman.birth_date(today=date(2026, 1, 1)) == date(1985, 8, 15)
    assert "5508" not in repr(woman)


def test_a_payment_covers_only_1_3_6_or_12_months() -> None:
    with pytest.raises(InvalidField) as err:
        _accept(_record(None), _pay(Month(2026, 1), 2, 33_600, date(2026, 1, 10)))
    assert (err.value.field, err.value.value) == ("months", 2)


def test_the_canonical_content_of_a_registration_keeps_the_bytes_stored_fingerprints_were_made_of() -> None:
    cmd = RegisterWorker(
        client_id=UUID("6f1c1f43-3d38-4d5e-9a3b-2f4b4f1e2a10"),
        nik=Nik.parse("5171015508850001"),
        name="Ni Made Contoh",
        village_code="51.71.01.1003",
        segment=Segment.STREET_VENDOR,
        programmes=frozenset({Programme.JKM, Programme.JKK, Programme.JHT}),
        income_bracket=1_000_000,
        channel=Channel.BOOTH,
        registered_on=date(2026, 1, 10),
        branch="denpasar",
        campaign_id=UUID("0d3b1a3e-5f55-4b8e-8f0e-1c9b6d0f7a21"),
        birth_date=date(1985, 8, 15),
        sex="F",
    )

    assert cmd.canonical() == (
        b'{"birth_date": "1985-08-15", "branch": "denpasar", '
        b'"campaign_id": "0d3b1a3e-5f55-4b8e-8f0e-1c9b6d0f7a21", "channel": "booth", '
        b'"client_id": "6f1c1f43-3d38-4d5e-9a3b-2f4b4f1e2a10", "income_bracket": 1000000, '
        b'"name": "Ni Made Contoh", "nik": {"value": "5171015508850001"}, '
        b'"programmes": ["JHT", "JKK", "JKM"], "registered_on": "2026-01-10", '
        b'"segment": "street_vendor", "sex": "F", "village_code": "51.71.01.1003"}'
    )
