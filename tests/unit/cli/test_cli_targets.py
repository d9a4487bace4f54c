"""`jangkau target list/set/delete` against a fake metrics targets API: the admin token, refusals, exits."""

from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from typer.testing import CliRunner

from jangkau_cli.context import use_transport
from jangkau_cli.errors import ExitCode
from jangkau_cli.main import app

runner = CliRunner()
ADMIN = "jk_metrics-admin"
KNOWN = frozenset({"rangkasbitung", "jambi", "malingping"})


class FakeTargets:
    """The metrics service's target routes: reads open, writes with the admin token only."""

    def __init__(self, *, read_only: bool = False) -> None:
        self.targets: dict[tuple[str, int], dict[str, Any]] = {}
        self.requests: list[httpx.Request] = []
        self.read_only = read_only  # the service has no admin token configured

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "GET":
            year = request.url.params.get("year")
            rows = [r for (_, y), r in sorted(self.targets.items()) if year in (None, str(y))]
            return httpx.Response(200, json=rows)
        if self.read_only:
            return httpx.Response(403, json={"title": "Forbidden", "detail": "targets are read-only here"})
        if request.headers.get("authorization") != f"Bearer {ADMIN}":
            return httpx.Response(401, json={"title": "Unauthorized", "detail": "send the admin token"})
        *_, branch, year = request.url.path.split("/")
        key = (branch, int(year))
        if request.method == "DELETE":
            if self.targets.pop(key, None) is None:
                return httpx.Response(404, json={"title": "Not Found", "detail": f"no target of {branch!r}"})
            return httpx.Response(204)
        if branch not in KNOWN:
            error = {"field": "branch", "value": branch, "reason": "is not a configured branch office"}
            return httpx.Response(422, json={"title": "Invalid request", "detail": "no", "errors": [error]})
        body = orjson.loads(request.content)
        row = {
            "branch": branch,
            "year": int(year),
            "measure": body["measure"],
            "target": body["participants"],
        }
        self.targets[key] = row | {"actual": 0, "achieved": 0.0}
        return httpx.Response(200, json=self.targets[key])


@pytest.fixture(autouse=True)
def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JANGKAU_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("JANGKAU_TOKEN", "jk_team")
    monkeypatch.setenv("JANGKAU_METRICS_ADMIN_TOKEN", ADMIN)


def test_set_sends_the_metrics_admin_token_not_the_team_token_and_shows_the_target() -> None:
    fake = FakeTargets()
    with use_transport(fake.transport()):
        result = runner.invoke(app, ["target", "set", "rangkasbitung", "2026", "--participants", "1200"])

    assert result.exit_code == ExitCode.OK, result.output
    assert "Target set" in result.output
    assert "1,200" in result.output
    [put] = fake.requests
    assert (put.method, put.url.path) == ("PUT", "/v1/targets/rangkasbitung/2026")
    assert put.headers["authorization"] == f"Bearer {ADMIN}"
    assert orjson.loads(put.content) == {"participants": 1200, "measure": "registered"}


def test_a_mistyped_branch_is_refused_naming_the_field_and_the_value() -> None:
    with use_transport(FakeTargets().transport()):
        result = runner.invoke(app, ["target", "set", "rangkasbitng", "2026", "--participants", "1200"])

    assert result.exit_code == ExitCode.REJECTED
    assert "branch ('rangkasbitng'): is not a configured branch office" in result.output


def test_without_the_admin_token_set_says_where_it_comes_from_and_sends_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("JANGKAU_METRICS_ADMIN_TOKEN")
    fake = FakeTargets()
    with use_transport(fake.transport()):
        result = runner.invoke(app, ["target", "set", "jambi", "2026", "--participants", "5"])

    assert result.exit_code == ExitCode.CONFIG
    assert "jangkau config set metrics-admin-token" in result.output
    assert "deploy/local.env" in result.output
    assert fake.requests == []


def test_a_refused_admin_token_is_explained_as_the_admin_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JANGKAU_METRICS_ADMIN_TOKEN", "jk_team-token-by-mistake")
    with use_transport(FakeTargets().transport()):
        result = runner.invoke(app, ["target", "delete", "jambi", "2026"])

    assert result.exit_code == ExitCode.AUTH
    assert "metrics admin token" in result.output


def test_a_service_without_an_admin_token_is_explained_as_read_only_not_as_a_team_scope() -> None:
    with use_transport(FakeTargets(read_only=True).transport()):
        result = runner.invoke(app, ["target", "set", "jambi", "2026", "--participants", "5"])

    assert result.exit_code == ExitCode.AUTH
    assert "no admin token configured" in result.output
    assert "team's token" not in result.output


def test_delete_removes_the_target_and_a_second_delete_is_not_found() -> None:
    fake = FakeTargets()
    with use_transport(fake.transport()):
        runner.invoke(app, ["target", "set", "jambi", "2026", "--participants", "5"])
        deleted = runner.invoke(app, ["target", "delete", "jambi", "2026"])
        again = runner.invoke(app, ["target", "delete", "jambi", "2026"])

    assert deleted.exit_code == ExitCode.OK, deleted.output
    assert "deleted the target of jambi for 2026" in deleted.output
    assert fake.targets == {}
    assert again.exit_code == ExitCode.NOT_FOUND


def test_list_needs_no_token_and_shows_one_year_of_one_branch(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeTargets()
    with use_transport(fake.transport()):
        runner.invoke(app, ["target", "set", "jambi", "2026", "--participants", "5"])
        runner.invoke(app, ["target", "set", "rangkasbitung", "2026", "--participants", "1200"])
        runner.invoke(app, ["target", "set", "jambi", "2018", "--participants", "36000"])
        monkeypatch.delenv("JANGKAU_TOKEN")
        monkeypatch.delenv("JANGKAU_METRICS_ADMIN_TOKEN")
        listed = runner.invoke(app, ["target", "list", "--year", "2026", "--branch", "jambi", "--json"])

    assert listed.exit_code == ExitCode.OK, listed.output
    assert [(r["branch"], r["year"]) for r in orjson.loads(listed.output)] == [("jambi", 2026)]
    assert "authorization" not in fake.requests[-1].headers


def test_config_show_masks_the_admin_token() -> None:
    shown = runner.invoke(app, ["config", "show"])

    assert "metrics-admin-token" in shown.output
    assert ADMIN not in shown.output


@pytest.mark.parametrize("command", ["list", "set", "delete"])
def test_each_target_command_teaches_its_use_with_an_example(command: str) -> None:
    shown = runner.invoke(app, ["target", command, "--help"], env={"COLUMNS": "120"})

    assert shown.exit_code == 0
    assert "Example" in shown.output
    assert ("metrics-admin-token" in shown.output) == (command == "set")
