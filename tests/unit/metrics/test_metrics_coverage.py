"""The in-memory coverage: registrations win once, payments only extend, counts move by changes."""

from datetime import date
from uuid import UUID, uuid4

from jangkau_metrics.domain.coverage import CellKey, Coverage, Participant, fold
from jangkau_metrics.domain.months import State, month_index, state_of

SESETAN = CellKey("denpasar", "51.71.01.1003", "street_vendor")
AUG_13 = date(2017, 8, 13)


def _registered(pid: UUID, key: CellKey = SESETAN) -> Participant:
    return Participant(pid, key, registered=True, registered_on=AUG_13)


def _payer(pid: UUID) -> Participant:
    return Participant(pid, SESETAN, registered=False)


def _states(coverage: Coverage, day: date) -> dict[str, int]:
    tally = coverage.tally(day, lambda k: k.branch)["denpasar"]
    return {s.value: n for s, n in tally.states.items() if n} | {"registered": tally.registered}


def test_a_registration_then_a_payment_make_one_active_participant() -> None:
    coverage, pid = Coverage(), uuid4()
    coverage.apply(fold({}, registrations=[_registered(pid)], payments=[]))
    assert _states(coverage, AUG_13) == {"never_paid": 1, "registered": 1}

    stored = {pid: _registered(pid)}
    coverage.apply(fold(stored, registrations=[], payments=[(_payer(pid), month_index("2017-10"))]))
    assert _states(coverage, AUG_13) == {"active": 1, "registered": 1}
    assert _states(coverage, date(2018, 2, 16)) == {"lapsed": 1, "registered": 1}


def test_a_second_registration_of_the_same_participant_changes_nothing() -> None:
    pid = uuid4()
    stored = {pid: _registered(pid)}
    other = CellKey("jambi", "15.05.01.2001", "farmer")
    assert fold(stored, registrations=[_registered(pid, other)], payments=[]) == []


def test_an_older_payment_arriving_late_never_moves_paid_through_back() -> None:
    pid = uuid4()
    stored = {pid: Participant(pid, SESETAN, True, month_index("2017-12"), AUG_13)}
    assert fold(stored, registrations=[], payments=[(_payer(pid), month_index("2017-10"))]) == []


def test_a_payment_before_its_registration_waits_then_counts_once_in_the_registered_cell() -> None:
    coverage, pid = Coverage(), uuid4()
    early = fold({}, registrations=[], payments=[(_payer(pid), month_index("2017-10"))])
    coverage.apply(early)
    assert coverage.awaiting_registration["denpasar"] == 1
    assert coverage.cells == {}

    campaign_key = CellKey("denpasar", "51.71.01.1003", "street_vendor", "sesetan")
    late = fold({pid: early[0].new}, registrations=[_registered(pid, campaign_key)], payments=[])
    coverage.apply(late)
    assert coverage.awaiting_registration["denpasar"] == 0
    assert coverage.cells[campaign_key].paid_through == {month_index("2017-10"): 1}
    assert _states(coverage, AUG_13) == {"active": 1, "registered": 1}


def test_registration_and_payment_in_one_batch_fold_in_either_order_to_the_same_row() -> None:
    pid = uuid4()
    paid = (_payer(pid), month_index("2017-10"))
    a = fold({}, registrations=[_registered(pid)], payments=[paid])
    b = fold({}, registrations=[_registered(pid)], payments=[paid])
    assert a == b
    assert a[0].new == Participant(pid, SESETAN, True, month_index("2017-10"), AUG_13)


def test_state_counts_sum_to_registered_on_any_day() -> None:
    coverage = Coverage()
    months = [None, "2017-06", "2017-07", "2017-08", "2017-09", "2017-10"]
    for month in months:
        pid = uuid4()
        paid = month_index(month) if month else None
        coverage.place(Participant(pid, SESETAN, True, paid, AUG_13), +1)
    day = date(2017, 10, 20)
    tally = coverage.tally(day, lambda k: k.branch)["denpasar"]
    assert tally.registered == 6
    assert sum(tally.states.values()) == 6
    assert tally.states[State.LAPSED] == 1
    assert tally.states[State.ACTIVE] == 1
    assert [tally.states[s] for s in (State.ARREARS_1, State.ARREARS_2, State.ARREARS_3)] == [1, 1, 1]


def test_registrations_per_day_and_per_year_follow_the_registration_day() -> None:
    coverage = Coverage()
    coverage.place(_registered(uuid4()), +1)
    coverage.place(Participant(uuid4(), SESETAN, True, None, date(2018, 1, 2)), +1)
    assert coverage.registrations_per_day[("denpasar", AUG_13)] == 1
    assert coverage.registered_in_year(2017)["denpasar"] == 1
    assert coverage.registered_in_year(2018, since_ever=True)["denpasar"] == 2


def test_a_cell_counts_each_paid_through_month_in_the_state_one_participant_would_have() -> None:
    coverage = Coverage()
    months = range(month_index("2017-05"), month_index("2017-12"))
    for month in months:
        coverage.place(Participant(uuid4(), SESETAN, True, month, AUG_13), +1)
    for day in (AUG_13, date(2017, 11, 15), date(2017, 11, 16), date(2018, 3, 1)):
        expected: dict[str, int] = {"registered": len(months)}
        for month in months:
            state = state_of(month, day).value
            expected[state] = expected.get(state, 0) + 1
        assert _states(coverage, day) == expected, day
