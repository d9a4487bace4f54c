"""jangkau sync: batches, write-back of client ids, resume without resending, a report for every line."""

import csv
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from cli_fakes import FakeRegistry
from typer.testing import CliRunner

from jangkau_cli.api import Services
from jangkau_cli.config import Settings
from jangkau_cli.context import use_transport
from jangkau_cli.errors import ExitCode
from jangkau_cli.main import app
from jangkau_cli.queue import Line, load_queue
from jangkau_cli.sync import content_key, report_path, state_path, sync_file


def _services(fake: FakeRegistry) -> Services:
    services = Services.from_settings(Settings(token="jk_test"), fake.transport())
    services.registration.sleep = lambda _: None
    return services


def _registration(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "registration",
        "nik": f"517101450890{n:04d}",
        "name": f"Ni Made {n}",
        "branch": "denpasar",
        "village_code": "51.71.01.1003",
        "segment": "trader",
        "programmes": ["JKK", "JKM"],
        "income_bracket": 1_000_000,
        "channel": "booth",
        "registered_on": "2017-08-13",
        **extra,
    }


def _payment(ref: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "contribution",
        "participant_client_id": ref,
        "first_month": "2017-08",
        "months": 1,
        "amount": 16_800,
        "payer_type": "self",
        "channel": "booth",
        "paid_on": "2017-08-13",
        **extra,
    }


def _write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in records) + b"\n")
    return path


def _report(path: Path) -> list[dict[str, str]]:
    with report_path(path).open(newline="") as handle:
        return list(csv.DictReader(handle))


def _by_client(path: Path) -> dict[str, dict[str, str]]:
    return {row["client_id"]: row for row in _report(path)}


def _edit(path: Path, line: int, **changes: Any) -> None:
    """Change fields of one JSONL line as a team would in an editor, keeping its client id."""
    lines = path.read_text().splitlines()
    lines[line - 1] = orjson.dumps({**orjson.loads(lines[line - 1]), **changes}).decode()
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def queue(tmp_path: Path) -> Path:
    """Five registrations (one with a bad NIK), their payments (payments first, as typed), junk lines."""
    records: list[dict[str, Any]] = [_payment(f"reg-{n}", client_id=f"pay-{n}") for n in range(1, 6)]
    records += [_registration(n, client_id=f"reg-{n}") for n in range(1, 5)]
    records.append(_registration(5, client_id="reg-5", nik="12345"))
    path = _write_jsonl(tmp_path / "booth.jsonl", records)
    with path.open("a") as handle:
        handle.write("{not json\n")
        handle.write(orjson.dumps(_registration(6)).decode() + "\n")  # no client id yet
        handle.write(orjson.dumps({"kind": "visit"}).decode() + "\n")
    return path


def test_a_queue_with_good_and_bad_lines_reports_every_line_and_exits_rejected(queue: Path) -> None:
    fake = FakeRegistry()
    outcome = sync_file(queue, _services(fake), batch_size=2)

    rows = _report(queue)
    assert [int(r["line"]) for r in rows] == list(range(1, 14))
    by_client = {r["client_id"]: r for r in rows}
    assert by_client["reg-1"]["status"] == "created"
    assert by_client["pay-1"]["participant_id"] == by_client["reg-1"]["participant_id"] != ""
    assert by_client["reg-5"]["status"] == "invalid"
    assert "nik" in by_client["reg-5"]["errors"]
    assert by_client["pay-5"]["status"] == "skipped"
    assert [r["status"] for r in rows[10:]] == ["invalid", "created", "invalid"]
    assert outcome.exit_code == ExitCode.REJECTED
    assert outcome.counts == {"created": 9, "invalid": 3, "skipped": 1}


def test_lines_without_client_id_get_one_written_back_before_sending(queue: Path) -> None:
    sync_file(queue, _services(FakeRegistry()), batch_size=500)

    line_12 = orjson.loads(queue.read_text().splitlines()[11])
    assert line_12["client_id"]
    assert line_12["kind"] == "registration"
    assert queue.read_text().splitlines()[10] == "{not json"


def test_registrations_are_sent_before_the_payments_that_refer_to_them(queue: Path) -> None:
    fake = FakeRegistry()
    sync_file(queue, _services(fake), batch_size=3)

    assert list(fake.received)[:6] == ["reg-1", "reg-2", "reg-3", "reg-4", "reg-5", fake_id(queue, 12)]


def fake_id(queue: Path, line: int) -> str:
    """The client id written back into a line of the queue."""
    return str(orjson.loads(queue.read_text().splitlines()[line - 1])["client_id"])


def test_an_interrupted_sync_resumes_without_sending_any_item_twice(queue: Path) -> None:
    fake = FakeRegistry(fail_after_batches=1)
    services = _services(fake)

    first = sync_file(queue, services, batch_size=2)

    assert first.exit_code == ExitCode.UNREACHABLE
    assert "cannot reach registration" in str(first.interrupted)
    assert sum(1 for r in _report(queue) if r["status"] == "pending") == 9
    assert state_path(queue).is_file()

    fake.fail_after_batches = None
    second = sync_file(queue, services, batch_size=2)

    assert second.exit_code == ExitCode.REJECTED
    assert max(fake.received.values()) == 1
    assert len(fake.received) == 10
    assert not [r for r in _report(queue) if r["status"] == "pending"]


def test_a_finished_sync_run_again_sends_nothing(queue: Path) -> None:
    fake = FakeRegistry()
    sync_file(queue, _services(fake), batch_size=4)
    before = fake.batches

    again = sync_file(queue, _services(fake), batch_size=4)

    assert fake.batches == before
    assert again.counts == {"created": 9, "invalid": 3, "skipped": 1}


def test_a_csv_queue_gets_a_client_id_column_and_lists_split(tmp_path: Path) -> None:
    path = tmp_path / "market.csv"
    path.write_text(
        "kind,nik,name,branch,village_code,segment,programmes,income_bracket,channel,registered_on\n"
        "registration,5171014508900001,Ni Luh,denpasar,51.71.01.1003,trader,JKK;JKM;JHT,1500000,market,"
        "2017-08-14\n"
        "registration,bad,Made,denpasar,51.71.01.1003,trader,JKK;JKM,1000000,market,2017-08-14\n"
    )
    fake = FakeRegistry()

    outcome = sync_file(path, _services(fake))

    lines = load_queue(path)
    assert [ln.item["programmes"] for ln in lines] == [["JKK", "JKM", "JHT"], ["JKK", "JKM"]]
    assert all(ln.client_id for ln in lines)
    assert path.read_text().startswith("kind,client_id,nik")
    assert [r["status"] for r in _report(path)] == ["created", "invalid"]
    assert [int(r["line"]) for r in _report(path)] == [2, 3]
    assert outcome.exit_code == ExitCode.REJECTED


def test_a_refused_token_stops_the_sync_with_the_auth_exit_code(queue: Path) -> None:
    outcome = sync_file(queue, _services(FakeRegistry(status=401)))

    assert outcome.exit_code == ExitCode.AUTH
    assert "refused the token" in str(outcome.interrupted)
    assert {r["status"] for r in _report(queue)} == {"pending", "invalid"}


def test_a_batch_endpoint_that_rejects_items_as_a_whole_gets_the_good_items_sent_again(
    tmp_path: Path,
) -> None:
    fake = FakeRegistry()
    calls: list[str] = []

    def whole_batch_422(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        items = orjson.loads(request.content).get("items")
        if items and any(len(i.get("nik", "")) != 16 for i in items):
            bad = [n for n, i in enumerate(items) if len(i.get("nik", "")) != 16]
            errors = [{"field": f"items.{n}.nik", "value": "<hidden>", "reason": "16 digits"} for n in bad]
            return httpx.Response(422, json={"status": 422, "errors": errors})
        return fake.handle(request)

    path = _write_jsonl(tmp_path / "q.jsonl", [_registration(1), _registration(2, nik="1"), _registration(3)])
    services = Services.from_settings(Settings(token="t"), httpx.MockTransport(whole_batch_422))

    outcome = sync_file(path, services)

    assert [r["status"] for r in _report(path)] == ["created", "invalid", "created"]
    assert _report(path)[1]["errors"] == "nik ('<hidden>'): 16 digits"
    assert outcome.counts == {"created": 2, "invalid": 1}
    assert max(fake.received.values()) == 1


def test_a_corrected_registration_is_sent_again_and_its_payment_follows(queue: Path) -> None:
    fake = FakeRegistry()
    services = _services(fake)
    sync_file(queue, services, batch_size=4)
    assert _by_client(queue)["reg-5"]["status"] == "invalid"

    _edit(queue, 10, nik="5171014508900005")  # reg-5's NIK, mistyped on the phone, now corrected
    second = sync_file(queue, services, batch_size=4)

    by_client = _by_client(queue)
    assert (by_client["reg-5"]["status"], by_client["reg-5"]["errors"]) == ("created", "")
    assert by_client["pay-5"]["status"] == "created"  # no longer skipped: its registration is stored
    assert by_client["pay-5"]["participant_id"] == by_client["reg-5"]["participant_id"]
    assert second.counts == {"created": 11, "invalid": 2}
    assert (fake.received["reg-5"], fake.received["reg-1"]) == (2, 1)  # stored lines are not sent again


def test_only_the_corrected_line_is_sent_again_and_an_unchanged_rejection_keeps_its_reason(
    queue: Path,
) -> None:
    fake = FakeRegistry()
    services = _services(fake)
    _edit(queue, 1, amount=0)  # pay-1 typed without an amount
    sync_file(queue, services, batch_size=4)
    assert "amount" in _by_client(queue)["pay-1"]["errors"]
    sent_before = Counter(fake.received)

    _edit(queue, 1, amount=16_800)
    sync_file(queue, services, batch_size=4)

    assert fake.received - sent_before == Counter({"pay-1": 1})
    by_client = _by_client(queue)
    assert by_client["pay-1"]["status"] == "created"
    assert (by_client["reg-5"]["status"], by_client["pay-5"]["status"]) == ("invalid", "skipped")
    assert "nik" in by_client["reg-5"]["errors"]  # the old reason, shown without asking again


def test_a_line_edited_after_it_was_stored_is_not_sent_again_and_the_report_says_so(queue: Path) -> None:
    fake = FakeRegistry()
    services = _services(fake)
    sync_file(queue, services, batch_size=4)

    _edit(queue, 6, income_bracket=2_000_000)  # reg-1, already stored
    again = sync_file(queue, services, batch_size=4)

    row = _by_client(queue)["reg-1"]
    assert row["status"] == "created"
    assert "changed after it was stored" in row["errors"]
    assert fake.received["reg-1"] == 1  # resending would only get a conflict for the client id
    assert again.exit_code == ExitCode.REJECTED  # for reg-5 and the junk lines, not for reg-1
    assert again.edited_after_stored == 1


def test_rejections_remembered_by_the_previous_state_format_are_sent_again(queue: Path) -> None:
    fake = FakeRegistry()
    services = _services(fake)
    sync_file(queue, services, batch_size=4)
    # What the previous version wrote: the answers alone, without the content each answered.
    answers = {cid: _without_content(a) for cid, a in _state_answers(queue).items()}
    state_path(queue).write_bytes(orjson.dumps({"version": 1, "done": answers}))

    _edit(queue, 10, nik="5171014508900005")
    sync_file(queue, services, batch_size=4)

    assert _by_client(queue)["reg-5"]["status"] == "created"
    assert fake.received["reg-5"] == 2
    assert fake.received["reg-1"] == 1


def _without_content(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "content"}


def _state_answers(path: Path) -> dict[str, dict[str, Any]]:
    raw = orjson.loads(state_path(path).read_bytes())
    return dict(raw["done"])


def test_ctrl_c_mid_sync_reports_the_rest_pending_says_how_to_resume_and_exits_130(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JANGKAU_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("JANGKAU_TOKEN", "jk_test")
    records = [_registration(n, client_id=f"reg-{n}") for n in range(1, 6)]
    records.append(_registration(6, nik="1", client_id="reg-6"))
    path = _write_jsonl(tmp_path / "booth day1.jsonl", records)
    fake = FakeRegistry(interrupt_after_batches=1)
    runner = CliRunner()

    with use_transport(fake.transport()):
        stopped = runner.invoke(app, ["sync", str(path), "--batch-size", "2"], env={"COLUMNS": "300"})

    assert stopped.exit_code == 130, stopped.output  # 128 + SIGINT, as a shell reports Ctrl-C
    assert [r["status"] for r in _report(path)] == ["created", "created", *["pending"] * 4]
    assert set(_state_answers(path)) == {"reg-1", "reg-2"}
    assert "interrupted (Ctrl-C)" in stopped.output
    assert "this run: 2 sent, 2 stored, 0 rejected; 4 pending" in stopped.output
    assert f"jangkau sync '{path}'" in stopped.output  # quoted, ready to paste
    assert "Traceback" not in stopped.output

    fake.interrupt_after_batches = None
    with use_transport(fake.transport()):
        resumed = runner.invoke(app, ["sync", str(path), "--batch-size", "2"], env={"COLUMNS": "300"})

    assert resumed.exit_code == ExitCode.REJECTED, resumed.output
    assert [r["status"] for r in _report(path)] == [*["created"] * 5, "invalid"]
    assert max(fake.received.values()) == 1  # nothing sent twice


def test_a_line_keeps_its_content_key_across_formats_but_not_across_a_field_or_the_default_branch() -> None:
    item = {"client_id": "reg-1", "nik": "5171014508900001", "income_bracket": 1_000_000}
    line = Line(3, "registration", "reg-1", item)
    same_in_csv_order = Line(9, "registration", "reg-1", dict(reversed(list(item.items()))))

    assert content_key(line) == content_key(same_in_csv_order)
    assert content_key(line) != content_key(Line(3, "registration", "reg-1", {**item, "income_bracket": 1}))
    assert content_key(line, "denpasar") != content_key(line, "jambi")  # --branch for lines without one
    assert content_key(line) != content_key(Line(3, "contribution", "reg-1", item))
