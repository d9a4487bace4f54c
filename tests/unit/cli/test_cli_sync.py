"""jangkau sync: batches, write-back of client ids, resume without resending, a report for every line."""

import csv
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from cli_fakes import FakeRegistry

from jangkau_cli.api import Services
from jangkau_cli.config import Settings
from jangkau_cli.errors import ExitCode
from jangkau_cli.queue import load_queue
from jangkau_cli.sync import report_path, state_path, sync_file


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
