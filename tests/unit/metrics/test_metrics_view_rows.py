"""The view takes the count rows: a first read whole, later reads by difference."""

from datetime import date

from jangkau_metrics.domain import reports
from jangkau_metrics.domain.coverage import NEVER_PAID
from jangkau_metrics.domain.months import month_index
from jangkau_metrics.domain.snapshot import Snapshot
from jangkau_metrics.domain.view import CellRow, CountRows, View

OCT, NOV = month_index("2017-10"), month_index("2017-11")
DAY = date(2017, 11, 20)  # October is overdue, November not yet


def _rows(horizon: int, *cells: CellRow) -> CountRows:
    return CountRows(horizon, list(cells), [], [], [], [])


def _branch(view: View) -> dict[str, int]:
    [row] = reports.coverage(view.snapshot, day=DAY, by="branch")
    return {k: v for k, v in vars(row).items() if k != "key" and v}


def test_a_first_read_takes_each_cell_whole_and_a_later_one_moves_only_what_changed() -> None:
    view = View(Snapshot())
    view.apply(
        _rows(
            10,
            ("denpasar", "street_vendor", "", True, [NEVER_PAID, OCT, NOV], [2, 3, 1]),
            ("denpasar", "farmer", "c1", True, [NOV, OCT], [4, 0]),  # a key summed to zero
            ("denpasar", "farmer", "", False, [NEVER_PAID], [5]),  # paid for, not registered yet
        )
    )
    assert _branch(view) == {"registered": 10, "never_paid": 2, "arrears_1": 3, "active": 5}
    assert view.snapshot.coverage.awaiting_registration["denpasar"] == 5

    # Two of October's pay November; one who paid before registering is registered (as never
    # paid: the cell holds the participant's own fields). Only the keys that changed are read.
    later = _rows(
        20,
        ("denpasar", "street_vendor", "", True, [NEVER_PAID, OCT, NOV], [3, 1, 3]),
        ("denpasar", "farmer", "", False, [NEVER_PAID], [4]),
    )
    view.apply(later)
    view.apply(later)  # the same rows again: absolute values, nothing moves twice

    assert _branch(view) == {"registered": 11, "never_paid": 3, "arrears_1": 1, "active": 7}
    assert view.snapshot.coverage.awaiting_registration["denpasar"] == 4
    assert view.horizon == 20
