"""Terminal tables stay readable in an 80-column terminal and never cut a number, id or date."""

import io

from rich.console import Console

from jangkau_cli.campaign_cmd import LEADERBOARD_COLUMNS, LIST_COLUMNS
from jangkau_cli.render import records_table
from jangkau_cli.status import coverage_view

CAMPAIGN = {
    "campaign_id": "9ab75d30-6c00-593e-9184-6fd0caa8b279",
    "name": "Booth Sesetan Karnaval & Pekan Olahraga Kelurahan Sesetan 2017",
    "kind": "festival_booth",
    "status": "closed",
    "starts_on": "2017-08-13",
    "rank": 1,
    "registrations": 12_345,
    "paid_once_share": 0.7,
    "active_90_share": 0.4167,
}


def _render(renderable: object) -> list[str]:
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text().splitlines()


def test_the_campaign_list_fits_80_columns_and_keeps_ids_whole() -> None:
    lines = _render(records_table("Campaigns", [CAMPAIGN], LIST_COLUMNS, only=True))
    assert max(len(line.rstrip()) for line in lines) <= 80
    text = "\n".join(lines)
    for whole in ("9ab75d30-6c00-593e-9184-6fd0caa8b279", "2017-08-13", "closed"):
        assert whole in text
    assert "…" not in text
    assert "kind" not in text  # only the listed columns; --json gives the rest


def test_the_leaderboard_fits_80_columns_with_its_numbers_whole() -> None:
    text = "\n".join(_render(records_table("Leaderboard", [CAMPAIGN], LEADERBOARD_COLUMNS, only=True)))
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 80
    for whole in ("12,345", "70.0%", "41.7%", "festival_booth"):
        assert whole in text
    assert "…" not in text


def test_the_coverage_table_totals_arrears_and_shows_a_missing_target() -> None:
    data = {
        "branch": "denpasar",
        "as_of": "2018-02-20",
        "registered": 460,
        "never_paid": 107,
        "active": 94,
        "arrears_1": 1,
        "arrears_2": 2,
        "arrears_3": 0,
        "lapsed": 256,
        "target": None,
        "coverage": None,
        "villages": [
            {
                "village_code": "51.71.01.1003",
                "registered": 260,
                "never_paid": 62,
                "active": 57,
                "arrears_1": 1,
                "arrears_2": 2,
                "arrears_3": 0,
                "lapsed": 138,
            }
        ],
    }
    lines = _render(coverage_view("denpasar", data))
    assert max(len(line.rstrip()) for line in lines) <= 80
    text = "\n".join(lines)
    assert "as of 2018-02-20" in text
    summary = next(line for line in lines if "460" in line).split()
    assert summary == ["460", "107", "94", "3", "256", "—", "—"]
    assert "51.71.01.1003" in text


def test_every_table_of_a_past_day_names_that_day_within_80_columns() -> None:
    data = {
        "branch": "denpasar",
        "as_of": "2017-07-31",
        "registered": 400,
        "never_paid": 89,
        "active": 80,
        "arrears_1": 2,
        "arrears_2": 4,
        "arrears_3": 6,
        "lapsed": 219,
        "target": 22_964,
        "coverage": 400 / 22_964,
        "movement": {"registrations": 0, "contributions": 3, "rupiah": 50_400},
        "villages": [{"village_code": "51.71.01.1003", "registered": 200, "never_paid": 40, "lapsed": 160}],
    }

    lines = _render(coverage_view("denpasar", data))

    assert max(len(line.rstrip()) for line in lines) <= 80
    text = " ".join(" ".join(lines).split())
    for title in (
        "Coverage of branch denpasar as of 2017-07-31",
        "Movement on 2017-07-31",
        "By village, as of 2017-07-31",
    ):
        assert title in text
    assert "coverage: share of the 2017 target reached by 2017-07-31" in text
    assert "oday" not in text  # no "Today's movement" for a past day
    assert "50,400" in text
    assert ["400", "89", "80", "12", "219", "22,964", "1.7%"] in [line.split() for line in lines]
