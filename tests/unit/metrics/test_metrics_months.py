"""Participant states follow the paid-through month and the date: due by the 15th, lapsed after 3."""

from datetime import date

import pytest

from jangkau_metrics.domain.months import State, last_due_month, month_index, month_text, state_of

OCTOBER_2017 = month_index("2017-10")


@pytest.mark.parametrize(
    ("day", "state"),
    [
        (date(2017, 10, 1), State.ACTIVE),
        (date(2017, 11, 15), State.ACTIVE),
        (date(2017, 11, 16), State.ARREARS_1),
        (date(2017, 12, 15), State.ARREARS_1),
        (date(2017, 12, 16), State.ARREARS_2),
        (date(2018, 1, 15), State.ARREARS_2),
        (date(2018, 1, 16), State.ARREARS_3),
        (date(2018, 2, 15), State.ARREARS_3),
        (date(2018, 2, 16), State.LAPSED),
        (date(2025, 1, 1), State.LAPSED),
    ],
)
def test_paid_through_october_2017_moves_from_active_to_lapsed_on_exact_days(day: date, state: State) -> None:
    assert state_of(OCTOBER_2017, day) is state


def test_a_participant_who_never_paid_stays_never_paid_whatever_the_date() -> None:
    assert state_of(None, date(2017, 8, 13)) is State.NEVER_PAID
    assert state_of(None, date(2030, 1, 1)) is State.NEVER_PAID


def test_paying_twelve_months_ahead_keeps_a_participant_active_until_the_16th_after_them() -> None:
    paid_through = month_index("2018-07")
    assert state_of(paid_through, date(2017, 8, 13)) is State.ACTIVE
    assert state_of(paid_through, date(2018, 8, 15)) is State.ACTIVE
    assert state_of(paid_through, date(2018, 8, 16)) is State.ARREARS_1


def test_the_current_month_is_overdue_only_after_its_15th() -> None:
    assert month_text(last_due_month(date(2017, 8, 15))) == "2017-07"
    assert month_text(last_due_month(date(2017, 8, 16))) == "2017-08"
    assert month_text(last_due_month(date(2018, 1, 3))) == "2017-12"


def test_month_numbers_subtract_across_years() -> None:
    assert month_index("2018-01") - month_index("2017-12") == 1
    assert month_text(month_index("2017-08")) == "2017-08"
