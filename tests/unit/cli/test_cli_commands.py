"""The commands as a user runs them: clear errors and exit codes, never a stack trace."""

from datetime import date
from pathlib import Path

import httpx
import orjson
import pytest
from cli_fakes import FakeMetrics, FakeRegistry
from typer.testing import CliRunner, Result

from jangkau_cli.context import use_transport
from jangkau_cli.errors import ExitCode
from jangkau_cli.main import app

runner = CliRunner()
REGISTER = [
    "register",
    "--nik",
    "5171014508900001",
    "--name",
    "Ni Made Sriasih",
    "--village",
    "51.71.01.1003",
    "--segment",
    "trader",
    "--branch",
    "denpasar",
    "--registered-on",
    "2017-08-13",
]


@pytest.fixture(autouse=True)
def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JANGKAU_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("JANGKAU_TOKEN", "jk_test")
    for var in ("JANGKAU_REGISTRATION_URL", "JANGKAU_CAMPAIGNS_URL", "JANGKAU_METRICS_URL", "JANGKAU_BRANCH"):
        monkeypatch.delenv(var, raising=False)


def test_register_prints_the_participant_id_and_exits_zero() -> None:
    fake = FakeRegistry()
    with use_transport(fake.transport()):
        result = runner.invoke(app, REGISTER)

    assert result.exit_code == ExitCode.OK, result.output
    assert "created participant" in result.output


def test_registering_a_known_nik_again_is_not_an_error() -> None:
    fake = FakeRegistry()
    with use_transport(fake.transport()):
        runner.invoke(app, REGISTER)
        again = runner.invoke(app, REGISTER)

    assert again.exit_code == ExitCode.OK, again.output
    assert "already_registered participant" in again.output


def test_an_unreachable_service_is_explained_without_a_stack_trace(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    monkeypatch.setenv("JANGKAU_REGISTRATION_URL", "http://127.0.0.1:8101")
    with use_transport(httpx.MockTransport(refuse)):
        result = runner.invoke(app, REGISTER)

    assert result.exit_code == ExitCode.UNREACHABLE
    assert "cannot reach registration at http://127.0.0.1:8101: connection refused" in result.output
    assert "make up" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("status", "words"), [(401, "refused the token (401)"), (403, "may not act for")])
def test_a_refused_token_is_explained_with_the_auth_exit_code(status: int, words: str) -> None:
    with use_transport(FakeRegistry(status=status).transport()):
        result = runner.invoke(app, REGISTER)

    assert result.exit_code == ExitCode.AUTH
    assert words in result.output


def test_a_rejected_registration_names_the_field_and_exits_one() -> None:
    with use_transport(FakeRegistry().transport()):
        result = runner.invoke(app, [*REGISTER, "--nik", "123"])

    assert result.exit_code == ExitCode.REJECTED
    assert "nik" in result.output
    assert "16 digits" in result.output


def test_a_missing_token_says_how_to_set_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JANGKAU_TOKEN")
    result = runner.invoke(app, REGISTER)

    assert result.exit_code == ExitCode.CONFIG
    assert "jangkau config set token" in result.output


def test_config_set_writes_the_file_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JANGKAU_TOKEN")
    result = runner.invoke(app, ["config", "set", "registration-url", "http://reg:9000", "token", "jk_file"])
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("JANGKAU_REGISTRATION_URL", "http://env:9001")

    shown = runner.invoke(app, ["config", "show"])

    assert 'token = "jk_file"' in (tmp_path / "config.toml").read_text()
    assert "http://env:9001" in shown.output
    assert "jk_fil…" in shown.output


def _pay(fake: FakeRegistry, *options: str) -> tuple[str, Result]:
    """Register a worker, then pay for them with ``options``; return the participant id and result."""
    with use_transport(fake.transport()):
        runner.invoke(app, REGISTER)
        pid = next(iter(fake.participants))
        return pid, runner.invoke(app, ["pay", pid, *options])


def test_pay_without_amount_sends_the_amount_the_registration_service_quotes() -> None:
    fake = FakeRegistry(monthly=17_500)  # a rate period the command has never heard of
    terms = ["--first-month", "2027-01", "--months", "3", "--payer", "regional_budget"]
    pid, result = _pay(fake, *terms, "--paid-on", "2026-12-07")

    assert result.exit_code == ExitCode.OK, result.output
    [asked] = [r for r in fake.requests if r.url.path.endswith("/quote")]
    assert asked.url.path == f"/v1/participants/{pid}/quote"
    assert dict(asked.url.params) == {
        "first_month": "2027-01",
        "months": "3",
        "payer_type": "regional_budget",
        "paid_on": "2026-12-07",
    }
    [paid] = [orjson.loads(r.content) for r in fake.requests if r.url.path == "/v1/contributions"]
    assert (paid["amount"], paid["paid_on"]) == (3 * 17_500, "2026-12-07")
    assert "Rp 52,500 for 2027-01 to 2027-03 (rates from 2027-01); paid through 2027-03" in result.output


def test_a_refused_quote_names_the_field_and_value_and_sends_no_payment() -> None:
    fake = FakeRegistry(monthly=17_500)
    _, result = _pay(fake, "--first-month", "2026-12", "--paid-on", "2026-12-07")

    assert result.exit_code == ExitCode.REJECTED
    assert "first_month ('2026-12'): no contribution rate is in force" in result.output
    assert not [r for r in fake.requests if r.url.path == "/v1/contributions"]


def test_pay_with_an_amount_asks_no_quote() -> None:
    fake = FakeRegistry()
    _, result = _pay(fake, "--first-month", "2017-08", "--amount", "16800", "--paid-on", "2017-08-13")

    assert result.exit_code == ExitCode.OK, result.output
    assert not [r for r in fake.requests if r.url.path.endswith("/quote")]


def test_sync_exits_one_and_points_at_the_report_when_lines_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"kind": "registration", "nik": "1"}\n')
    with use_transport(FakeRegistry().transport()):
        result = runner.invoke(app, ["sync", str(path)])

    assert result.exit_code == ExitCode.REJECTED
    assert "q.jsonl.results.csv" in result.output


def _asked_days(fake: FakeMetrics) -> dict[str, str | None]:
    """What each request to the metrics service named as its day (None: it named none)."""
    asked: dict[str, str | None] = {}
    for request in fake.requests:
        query = request.url.params
        name = request.url.path + (f"?by={query['by']}" if "by" in query else "")
        asked[name] = query.get("as_of") or query.get("to") or query.get("year")
    return asked


def test_status_shows_states_target_movement_and_villages_of_the_branch_today() -> None:
    fake = FakeMetrics()
    with use_transport(fake.transport()):
        result = runner.invoke(app, ["status", "--branch", "denpasar"], env={"COLUMNS": "200"})

    today = date.today().isoformat()
    assert result.exit_code == 0, result.output
    assert "4,600" in result.output
    assert "23,000" in result.output
    assert "20.0%" in result.output  # 4,600 registered today of 23,000
    assert f"Coverage of branch denpasar as of {today}" in result.output
    assert f"Movement on {today}" in result.output
    assert f"By village, as of {today}" in result.output
    assert "51.71.01.1003" in result.output
    # The day is sent, never left to the service's clock (the fake's clock is on another day).
    assert _asked_days(fake) == {
        "/v1/coverage?by=branch": today,
        "/v1/timeseries": today,
        "/v1/targets": today[:4],
        "/v1/coverage?by=village": today,
    }


def test_status_of_a_past_day_asks_for_that_day_and_labels_every_table_with_it() -> None:
    fake = FakeMetrics()
    with use_transport(fake.transport()):
        result = runner.invoke(
            app, ["status", "--branch", "denpasar", "--as-of", "2017-07-31"], env={"COLUMNS": "200"}
        )

    assert result.exit_code == 0, result.output
    assert "Coverage of branch denpasar as of 2017-07-31" in result.output
    assert "Movement on 2017-07-31" in result.output
    assert "By village, as of 2017-07-31" in result.output
    assert "share of the 2017 target reached by 2017-07-31" in result.output
    assert "oday" not in result.output  # neither "Today" nor "today" labels a past day
    assert set(_asked_days(fake).values()) == {"2017-07-31", "2017"}
    series = next(r for r in fake.requests if r.url.path == "/v1/timeseries")
    assert series.url.params["from"] == "2017-01-01"


def test_status_json_gives_the_movement_of_the_day_and_the_coverage_reached_by_then() -> None:
    fake = FakeMetrics(measure="new_registrations")
    with use_transport(fake.transport()):
        result = runner.invoke(app, ["status", "--branch", "denpasar", "--as-of", "2017-07-31", "--json"])

    data = orjson.loads(result.output)
    assert data["as_of"] == "2017-07-31"
    assert data["movement"] == {"registrations": 5, "contributions": 30, "rupiah": 504_000}
    assert "today" not in data
    # New registrations of 2017 up to 31 July (12 + 5) of the 23,000 target; not the service's 40 %.
    assert data["coverage"] == pytest.approx(17 / 23_000)


def test_status_refuses_a_day_that_is_not_yyyy_mm_dd_before_asking_anything() -> None:
    fake = FakeMetrics()
    with use_transport(fake.transport()):
        result = runner.invoke(app, ["status", "--branch", "denpasar", "--as-of", "31/07/2017"])

    assert result.exit_code == ExitCode.USAGE
    assert "--as-of must be a day, YYYY-MM-DD, not '31/07/2017'" in result.output
    assert fake.requests == []


def test_status_degrades_to_the_counts_when_the_extras_are_missing() -> None:
    with use_transport(FakeMetrics(extras=False).transport()):
        result = runner.invoke(app, ["status", "--branch", "denpasar", "--json"])

    assert result.exit_code == 0, result.output
    data = orjson.loads(result.output)
    assert data["lapsed"] == 2200
    assert (data["target"], data["coverage"]) == (None, None)
    assert "movement" not in data


def test_participant_show_asks_for_the_day_it_shows_and_says_which() -> None:
    fake = FakeRegistry()
    with use_transport(fake.transport()):
        runner.invoke(app, REGISTER)
        pid = next(iter(fake.participants))
        today = runner.invoke(app, ["participant", "show", pid], env={"COLUMNS": "200"})
        past = runner.invoke(
            app, ["participant", "show", pid, "--as-of", "2017-12-01"], env={"COLUMNS": "200"}
        )

    assert today.exit_code == past.exit_code == ExitCode.OK, today.output + past.output
    asked = [r.url.params.get("as_of") for r in fake.requests if r.url.path.startswith("/v1/participants/")]
    assert asked == [date.today().isoformat(), "2017-12-01"]
    assert f"Participant {pid} as of {date.today().isoformat()}" in " ".join(today.output.split())
    assert f"Participant {pid} as of 2017-12-01" in " ".join(past.output.split())


def test_a_scorecard_and_the_leaderboard_ask_for_the_day_they_show_and_say_which() -> None:
    asked: list[httpx.Request] = []

    def campaigns(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        day = request.url.params["as_of"]
        if request.url.path == "/v1/leaderboard":
            standing = {"rank": 1, "name": "Sesetan Karnaval", "kind": "festival_booth", "registrations": 30}
            return httpx.Response(200, json={"branch": "denpasar", "as_of": day, "standings": [standing]})
        return httpx.Response(200, json={"campaign_id": "c-1", "as_of": day, "registrations": 30})

    with use_transport(httpx.MockTransport(campaigns)):
        card = runner.invoke(app, ["campaign", "scorecard", "c-1"], env={"COLUMNS": "200"})
        board = runner.invoke(
            app,
            ["campaign", "leaderboard", "--branch", "denpasar", "--as-of", "2017-11-20"],
            env={"COLUMNS": "200"},
        )

    assert card.exit_code == board.exit_code == ExitCode.OK, card.output + board.output
    assert [r.url.params["as_of"] for r in asked] == [date.today().isoformat(), "2017-11-20"]
    assert f"Scorecard of c-1 as of {date.today().isoformat()}" in " ".join(card.output.split())
    assert "Leaderboard of denpasar as of 2017-11-20" in " ".join(board.output.split())
