"""Participants and their counts: registrations win once, payments extend a staircase, deltas move counts."""

from collections import Counter
from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jangkau_metrics.domain.coverage import NEVER_PAID, CellKey, Coverage
from jangkau_metrics.domain.months import State, month_index, state_of
from jangkau_metrics.domain.participants import Change, Participant, Step, delta, fold, with_payment

SESETAN = CellKey("denpasar", "51.71.01.1003", "street_vendor")
AUG_13 = date(2017, 8, 13)
OCT = month_index("2017-10")


def _registered(pid: UUID, key: CellKey = SESETAN, on: date = AUG_13) -> Participant:
    return Participant(pid, key, True, on)


def _payer(pid: UUID) -> Participant:
    return Participant(pid, SESETAN, False)


def _states(coverage: Coverage, day: date) -> dict[str, int]:
    tally = coverage.tally(day, lambda k: k.branch)["denpasar"]
    return {s.value: n for s, n in tally.states.items() if n} | {"registered": tally.registered}


def _counts(participants: list[Participant]) -> Coverage:
    """What the count tables hold for these participants, as a view would serve it."""
    coverage = Coverage()
    for (branch, segment, campaign, registered, month), n in delta(
        Change(None, p) for p in participants
    ).cells.items():
        if registered:
            coverage.add(CellKey(branch, "", segment, campaign), month, n)
    return coverage


def test_a_registration_then_a_payment_make_one_active_participant_who_lapses_with_time() -> None:
    pid = uuid4()
    [registered] = fold({}, registrations=[_registered(pid)], payments=[])
    [paid] = fold({pid: registered.new}, registrations=[], payments=[(_payer(pid), Step(AUG_13, OCT))])
    assert paid.new.paid_through == OCT
    coverage = _counts([paid.new])
    assert _states(coverage, AUG_13) == {"active": 1, "registered": 1}
    assert _states(coverage, date(2018, 2, 16)) == {"lapsed": 1, "registered": 1}


def test_a_second_registration_of_the_same_participant_changes_nothing() -> None:
    pid = uuid4()
    other = CellKey("jambi", "15.05.01.2001", "farmer")
    assert fold({pid: _registered(pid)}, registrations=[_registered(pid, other)], payments=[]) == []


def test_an_older_payment_arriving_late_with_a_smaller_month_changes_nothing() -> None:
    pid = uuid4()
    stored = {pid: _registered(pid)._replace(steps=(Step(date(2017, 9, 1), month_index("2017-12")),))}
    late = (_payer(pid), Step(date(2017, 10, 1), OCT))
    assert fold(stored, registrations=[], payments=[late]) == []


def test_a_late_payment_made_earlier_moves_the_staircase_back_in_time_but_never_down_today() -> None:
    steps = (Step(date(2017, 9, 20), month_index("2017-12")),)
    after = with_payment(steps, date(2017, 8, 14), OCT)
    assert after == (Step(date(2017, 8, 14), OCT), Step(date(2017, 9, 20), month_index("2017-12")))
    p = _registered(uuid4())._replace(steps=after)
    assert [p.paid_through_on(d) for d in (AUG_13, date(2017, 8, 14), date(2017, 9, 20))] == [
        None,
        OCT,
        month_index("2017-12"),
    ]


def test_two_payments_on_one_day_keep_the_larger_month_and_a_smaller_later_one_adds_no_step() -> None:
    steps = with_payment(with_payment((), AUG_13, OCT), AUG_13, OCT + 2)
    assert steps == (Step(AUG_13, OCT + 2),)
    assert with_payment(steps, date(2017, 9, 1), OCT + 1) == steps


def test_a_payment_before_its_registration_waits_then_counts_once_in_the_registered_cell() -> None:
    pid = uuid4()
    early = fold({}, registrations=[], payments=[(_payer(pid), Step(AUG_13, OCT))])
    assert delta(early).cells == Counter({("denpasar", "street_vendor", "", False, OCT): 1})
    assert delta(early).years == Counter()

    campaign_key = CellKey("denpasar", "51.71.01.1003", "street_vendor", "sesetan")
    late = fold({pid: early[0].new}, registrations=[_registered(pid, campaign_key)], payments=[])
    moved = delta(late)
    assert moved.cells == Counter(
        {
            ("denpasar", "street_vendor", "", False, OCT): -1,
            ("denpasar", "street_vendor", "sesetan", True, OCT): 1,
        }
    )
    assert moved.years == Counter({("denpasar", 2017): 1})
    assert moved.days == Counter({("denpasar", AUG_13): 1})


def test_registration_and_payment_in_one_batch_fold_to_one_registered_paid_row() -> None:
    pid = uuid4()
    [change] = fold({}, registrations=[_registered(pid)], payments=[(_payer(pid), Step(AUG_13, OCT))])
    assert change.new == Participant(pid, SESETAN, True, AUG_13, (Step(AUG_13, OCT),))


def test_a_payment_moves_one_participant_between_months_and_nothing_else() -> None:
    pid = uuid4()
    before = _registered(pid)._replace(steps=(Step(AUG_13, OCT),))
    [change] = fold(
        {pid: before}, registrations=[], payments=[(_payer(pid), Step(date(2017, 11, 1), OCT + 1))]
    )
    moved = delta([change])
    assert moved.cells == Counter(
        {
            ("denpasar", "street_vendor", "", True, OCT): -1,
            ("denpasar", "street_vendor", "", True, OCT + 1): 1,
        }
    )
    assert (moved.years, moved.days) == (Counter(), Counter())
    assert moved.villages == Counter(
        {("denpasar", SESETAN.village_code, OCT): -1, ("denpasar", SESETAN.village_code, OCT + 1): 1}
    )
    assert moved.moves == Counter(
        {("denpasar", date(2017, 11, 1), OCT): -1, ("denpasar", date(2017, 11, 1), OCT + 1): 1}
    )


def _standing_on(moves: Counter[tuple[str, date, int]], day: date) -> Counter[int]:
    """What the standing moves up to ``day`` add up to: participants per paid-through month."""
    summed: Counter[int] = Counter()
    for (_, moved_on, month), n in moves.items():
        if moved_on <= day:
            summed[month] += n
    return +summed


@settings(max_examples=300, deadline=None)
@given(
    registered_after=st.integers(min_value=0, max_value=400),
    payments=st.lists(
        st.tuples(st.integers(min_value=0, max_value=400), st.integers(min_value=0, max_value=30)),
        max_size=6,
    ),
    registration_at=st.integers(min_value=0, max_value=6),
)
def test_the_standing_moves_up_to_any_day_equal_the_participant_as_it_stood_that_day(
    registered_after: int, payments: list[tuple[int, int]], registration_at: int
) -> None:
    """Payments in any order (some before their registration arrives, some made earlier than
    steps already stored): the moves each batch adds, summed up to a day, give that day's month."""
    pid, start = uuid4(), date(2017, 1, 1)
    registered_on = start + timedelta(days=registered_after)
    batches: list[tuple[list[Participant], list[tuple[Participant, Step]]]] = [
        ([], [(_payer(pid), Step(start + timedelta(days=after), OCT + months))]) for after, months in payments
    ]
    batches.insert(min(registration_at, len(batches)), ([_registered(pid, on=registered_on)], []))
    current: dict[UUID, Participant] = {}
    moves: Counter[tuple[str, date, int]] = Counter()
    for registrations, paid in batches:
        changes = fold(current, registrations=registrations, payments=paid)
        current.update({c.new.participant_id: c.new for c in changes})
        moves.update(delta(changes).moves)
    final = current[pid]
    for day in [
        registered_on - timedelta(days=1),
        *(registered_on + timedelta(days=d) for d in range(0, 420, 7)),
    ]:
        month = final.paid_through_on(day)
        expected = Counter({NEVER_PAID if month is None else month: 1}) if day >= registered_on else Counter()
        assert _standing_on(moves, day) == expected, day


def test_state_counts_sum_to_registered_on_any_day() -> None:
    coverage = Coverage()
    for month in [None, "2017-06", "2017-07", "2017-08", "2017-09", "2017-10"]:
        coverage.add(SESETAN, month_index(month) if month else NEVER_PAID, 1)
    tally = coverage.tally(date(2017, 10, 20), lambda k: k.branch)["denpasar"]
    assert tally.registered == 6
    assert sum(tally.states.values()) == 6
    assert tally.states[State.LAPSED] == 1
    assert tally.states[State.ACTIVE] == 1
    assert [tally.states[s] for s in (State.ARREARS_1, State.ARREARS_2, State.ARREARS_3)] == [1, 1, 1]


def test_registrations_per_year_answer_new_and_stock_counts() -> None:
    coverage = Coverage()
    coverage.registrations_per_year.update({("denpasar", 2017): 1, ("denpasar", 2018): 1})
    assert coverage.registered_in_year(2017)["denpasar"] == 1
    assert coverage.registered_in_year(2018, since_ever=True)["denpasar"] == 2


@pytest.mark.parametrize("day", [AUG_13, date(2017, 11, 15), date(2017, 11, 16), date(2018, 3, 1)])
def test_a_cell_counts_each_paid_through_month_in_the_state_one_participant_would_have(day: date) -> None:
    coverage = Coverage()
    months = range(month_index("2017-05"), month_index("2017-12"))
    for month in months:
        coverage.add(SESETAN, month, 1)
    expected: dict[str, int] = {"registered": len(months)}
    for month in months:
        state = state_of(month, day).value
        expected[state] = expected.get(state, 0) + 1
    assert _states(coverage, day) == expected
