"""The commands as a user runs them: clear errors and exit codes, never a stack trace."""

from pathlib import Path

import httpx
import orjson
import pytest
from cli_fakes import FakeRegistry
from typer.testing import CliRunner

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


def test_pay_without_amount_uses_the_rate_table_of_the_month() -> None:
    fake = FakeRegistry()
    with use_transport(fake.transport()):
        runner.invoke(app, REGISTER)
        pid = next(iter(fake.participants))
        result = runner.invoke(
            app, ["pay", pid, "--first-month", "2026-03", "--months", "3", "--paid-on", "2026-03-01"]
        )

    assert result.exit_code == ExitCode.OK, result.output
    # March at full rate 16,800; April and May at half of JKK + JKM: 8,400 each.
    assert "Rp 33,600" in result.output


def test_sync_exits_one_and_points_at_the_report_when_lines_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"kind": "registration", "nik": "1"}\n')
    with use_transport(FakeRegistry().transport()):
        result = runner.invoke(app, ["sync", str(path)])

    assert result.exit_code == ExitCode.REJECTED
    assert "q.jsonl.results.csv" in result.output


def _metrics(request: httpx.Request) -> httpx.Response:
    """The metrics JSON API as it answers today."""
    query, path = request.url.params, request.url.path
    row = {"registered": 4600, "never_paid": 600, "active": 1200, "arrears_1": 300, "arrears_2": 200}
    row |= {"arrears_3": 100, "lapsed": 2200}
    if path == "/v1/coverage" and query["by"] == "branch":
        rows = [{"key": "denpasar", **row}, {"key": "jambi", **row, "registered": 1}]
        return httpx.Response(200, json={"as_of": "2026-11-23", "by": "branch", "rows": rows})
    if path == "/v1/coverage":
        return httpx.Response(200, json={"as_of": "2026-11-23", "rows": [{"key": "51.71.01.1003", **row}]})
    if path == "/v1/targets":
        target = {"branch": "denpasar", "year": 2026, "target": 22964, "actual": 4600, "achieved": 0.2}
        return httpx.Response(200, json=[target])
    if path == "/v1/timeseries":
        day = {
            "branch": "denpasar",
            "day": "2026-11-23",
            "registrations": 12,
            "contributions": 30,
            "rupiah": 1,
        }
        return httpx.Response(200, json=[day])
    return httpx.Response(404, json={"detail": "Not Found"})


def test_status_shows_states_target_movement_and_villages_of_the_branch() -> None:
    with use_transport(httpx.MockTransport(_metrics)):
        result = runner.invoke(app, ["status", "--branch", "denpasar"], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    assert "4,600" in result.output
    assert "22,964" in result.output
    assert "20.0%" in result.output
    assert "Today's movement" in result.output
    assert "51.71.01.1003" in result.output


def test_status_degrades_to_the_counts_when_the_extras_are_missing() -> None:
    def counts_only(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("by") == "branch":
            return _metrics(request)
        return httpx.Response(404, json={"detail": "Not Found"})

    with use_transport(httpx.MockTransport(counts_only)):
        result = runner.invoke(app, ["status", "--branch", "denpasar", "--json"])

    assert result.exit_code == 0, result.output
    assert orjson.loads(result.output)["lapsed"] == 2200
