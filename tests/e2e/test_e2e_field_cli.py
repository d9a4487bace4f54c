"""The `jangkau` command itself, run as a field team would, against the running stack.

Register, pay and look up one worker; sync an offline queue with good and bad lines, killed
mid-way and resumed, or stopped with Ctrl-C and resumed; a corrected line sent again; the
branch's coverage table. Every run is a real `jangkau` process talking
HTTP to the real services; the counts are read back from the metrics service.

The workers are in Batanghari (Jambi branch) and carry a campaign key of the test's own, so the
counts checked here are the test's alone whatever else the stack holds.
"""

import csv
import json
import random
import signal
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from e2e_stack import RunningStack
from fault_kit import JAMBI_VILLAGE, campaign_counts, jambi_nik, jambi_worker
from field_kit import JANGKAU, jangkau

from support import wait_for

pytestmark = pytest.mark.e2e

VILLAGE = JAMBI_VILLAGE  # Batanghari, branch jambi
REGISTERED_ON = "2025-03-10"
#: JKK 1 % of Rp 1,000,000 plus JKM Rp 6,800, per month, in 2025 (no discount in force).
MONTHLY = 16_800


def _worker(rng: random.Random, campaign: str, client_id: str | None) -> dict[str, Any]:
    """A queue line of a new worker; without ``client_id`` it has none (the CLI assigns one)."""
    line = {"kind": "registration"} | jambi_worker(rng, name="Petani Batanghari", campaign_id=campaign)
    if client_id:
        line["client_id"] = client_id
    else:
        del line["client_id"]
    return line


def _payment(registration_client_id: str, campaign: str) -> dict[str, Any]:
    return {
        "kind": "contribution",
        "client_id": str(uuid.uuid4()),
        "participant_client_id": registration_client_id,
        "first_month": "2025-03",
        "months": 1,
        "amount": MONTHLY,
        "payer_type": "self",
        "channel": "village_office",
        "paid_on": REGISTERED_ON,
        "campaign_id": campaign,
    }


def _no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stdout + done.stderr, done.stderr


def _wait_for_counts(stack: RunningStack, campaign: str, registered: int, paid: int) -> None:
    wait_for(
        lambda: campaign_counts(stack, campaign),
        until=lambda counts: counts == {"registered": registered, "paid": paid},
        timeout=60,
        interval=0.5,
        what=f"campaign {campaign}: {registered} registered, {paid} paid",
    )


@pytest.mark.timeout(180)
def test_register_pay_and_show_one_worker_with_the_command(running_stack: RunningStack) -> None:
    campaign = str(uuid.uuid4())
    client_id = str(uuid.uuid4())
    nik = jambi_nik(random.Random())
    register = (
        "register",
        *("--nik", nik, "--name", "Ibu Sari", "--village", VILLAGE, "--segment", "trader"),
        *("--income", "1000000", "--programmes", "JKK,JKM", "--channel", "market"),
        *("--campaign", campaign, "--registered-on", REGISTERED_ON, "--client-id", client_id, "--json"),
    )

    first = jangkau(running_stack, *register)
    assert first.returncode == 0, first.stderr
    created = json.loads(first.stdout)
    assert created["status"] == "created"
    participant = created["participant_id"]

    again = jangkau(running_stack, *register)  # a retry with the same client id stores nothing new
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["participant_id"] == participant

    paid = jangkau(
        running_stack,
        "pay",
        participant,
        "--first-month",
        "2025-03",
        "--months",
        "3",
        "--paid-on",
        "2025-03-12",
    )
    assert paid.returncode == 0, paid.stderr
    assert f"Rp {3 * MONTHLY:,}" in paid.stdout  # quoted by the registration service, shown to the cashier
    assert "recorded" in paid.stdout

    shown = jangkau(running_stack, "participant", "show", participant, "--as-of", "2025-04-15", "--json")
    assert shown.returncode == 0, shown.stderr
    person = json.loads(shown.stdout)
    assert (person["paid_through"], person["state"]) == ("2025-05", "active")
    assert nik not in shown.stdout  # the answer never carries the NIK back

    _wait_for_counts(running_stack, campaign, registered=1, paid=1)


@pytest.mark.timeout(120)
def test_user_mistakes_get_a_message_and_an_exit_code_not_a_traceback(running_stack: RunningStack) -> None:
    bad_nik = jangkau(
        running_stack,
        *("register", "--nik", "12345", "--name", "Pak Budi", "--village", VILLAGE, "--segment", "farmer"),
    )
    assert bad_nik.returncode == 1
    assert "nik" in bad_nik.stderr.lower()
    _no_traceback(bad_nik)

    refused = jangkau(
        running_stack, "participant", "show", str(uuid.uuid4()), JANGKAU_TOKEN="jk_not-a-real-token"
    )
    assert refused.returncode == 5
    assert "token" in refused.stderr.lower()
    _no_traceback(refused)

    down = jangkau(
        running_stack, "participant", "show", str(uuid.uuid4()), JANGKAU_REGISTRATION_URL="http://127.0.0.1:9"
    )
    assert down.returncode == 4
    assert "127.0.0.1:9" in down.stderr
    _no_traceback(down)

    unknown = jangkau(running_stack, "participant", "show", str(uuid.uuid4()))
    assert unknown.returncode == 7
    _no_traceback(unknown)


def _queue(path: Path, campaign: str, good: int) -> dict[str, Any]:
    """A booth's offline queue: ``good`` workers (every other one paying), and five bad lines."""
    rng = random.Random()
    lines: list[str] = []
    registrations: list[str] = []
    payments = 0
    for n in range(good):
        client_id = str(uuid.uuid4()) if n % 7 else None  # some lines never got an id on the phone
        worker = _worker(rng, campaign, client_id)
        lines.append(json.dumps(worker))
        if client_id and n % 2 == 0:
            registrations.append(client_id)
    for client_id in registrations:
        lines.append(json.dumps(_payment(client_id, campaign)))
        payments += 1
    bad_village = {**_worker(rng, campaign, str(uuid.uuid4())), "village_code": "99.99.99.9999"}
    bad_amount = {**_payment(registrations[0], campaign), "amount": 1}
    bad = [
        json.dumps(bad_village),
        json.dumps({**_worker(rng, campaign, str(uuid.uuid4())), "nik": "not-a-nik"}),
        '{"kind": "registration", "nik": ',  # cut off when the phone's battery died
        json.dumps({"kind": "complaint", "client_id": str(uuid.uuid4())}),
        json.dumps(bad_amount),
    ]
    path.write_text("\n".join(lines[: good // 2] + bad + lines[good // 2 :]) + "\n")
    return {"registrations": good, "payments": payments, "bad": len(bad)}


def _report(path: Path) -> list[dict[str, str]]:
    with path.with_name(path.name + ".results.csv").open(newline="") as out:
        return list(csv.DictReader(out))


def _parsed(path: Path) -> list[dict[str, Any]]:
    """The queue's readable lines (the cut-off one is skipped)."""
    parsed = []
    for line in path.read_text().splitlines():
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return parsed


def _done(state: Path) -> int:
    try:
        return len(json.loads(state.read_text())["done"])
    except (FileNotFoundError, json.JSONDecodeError):
        return 0


@pytest.mark.timeout(300)
def test_sync_keeps_good_lines_reports_bad_ones_and_resumes_after_a_kill(
    running_stack: RunningStack, tmp_path: Path
) -> None:
    campaign = str(uuid.uuid4())
    queue = tmp_path / "booth-day1.jsonl"
    expected = _queue(queue, campaign, good=120)
    total_items = expected["registrations"] + expected["payments"]
    state = queue.with_name(queue.name + ".jangkau-sync.json")

    # The laptop is closed mid-way: the process is killed after its first batches were answered.
    running = subprocess.Popen(
        [JANGKAU, "sync", str(queue), "--batch-size", "5"],
        env=running_stack.cli_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: _done(state), until=lambda n: n >= 5, timeout=60, interval=0.05, what="first batch")
        running.send_signal(signal.SIGSTOP)
        interrupted_at = _done(state)
        running.kill()
    finally:
        running.kill()
        running.wait(timeout=30)
    assert interrupted_at < total_items, "the sync finished before it could be interrupted"
    assert all(line.get("client_id") for line in _parsed(queue)), "client ids are written back before sending"

    resumed = jangkau(running_stack, "sync", str(queue), "--batch-size", "50")
    _no_traceback(resumed)
    assert resumed.returncode == 1, resumed.stderr  # some lines were rejected
    assert f"{expected['bad']} line(s) rejected" in resumed.stderr

    rows = _report(queue)
    assert len(rows) == len(queue.read_text().splitlines())  # one row for every line, none lost
    by_status: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_status.setdefault(row["status"], []).append(row)
    assert len(by_status["created"]) == expected["registrations"]
    assert len(by_status["recorded"]) == expected["payments"]
    assert len(by_status["invalid"]) == expected["bad"]
    assert len({r["participant_id"] for r in by_status["created"]}) == expected["registrations"]
    reasons = " | ".join(r["errors"] for r in by_status["invalid"])
    for named in ("village_code", "99.99.99.9999", "nik", "kind", "amount"):
        assert named in reasons, f"{named!r} not named in the report's errors: {reasons}"
    assert "not-a-nik" not in reasons  # a rejected NIK is named as a field, never echoed in full

    # A third run sends nothing and changes nothing: everything already has a final answer.
    again = jangkau(running_stack, "sync", str(queue))
    assert again.returncode == 1
    assert _report(queue) == rows

    # Exactly the good lines are counted, each once, despite the kill and the re-runs.
    _wait_for_counts(running_stack, campaign, expected["registrations"], expected["payments"])


def _write_lines(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


@pytest.mark.timeout(180)
def test_a_corrected_payment_is_sent_again_under_its_client_id_and_counted_once(
    running_stack: RunningStack, tmp_path: Path
) -> None:
    campaign = str(uuid.uuid4())
    rng = random.Random()
    workers = [_worker(rng, campaign, str(uuid.uuid4())) for _ in range(3)]
    payments = [_payment(str(w["client_id"]), campaign) for w in workers]
    payments[2]["amount"] = 2 * MONTHLY  # one month typed as two
    queue = tmp_path / "market-day.jsonl"
    _write_lines(queue, [*workers, *payments])

    first = jangkau(running_stack, "sync", str(queue))
    assert first.returncode == 1, first.stdout + first.stderr
    assert f"amount ({2 * MONTHLY}): must be {MONTHLY}" in _report(queue)[5]["errors"]

    payments[2]["amount"] = MONTHLY  # the team corrects the line; its client id stays
    _write_lines(queue, [*workers, *payments])
    fixed = jangkau(running_stack, "sync", str(queue))

    _no_traceback(fixed)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "this run: 1 sent, 1 stored, 0 rejected; 0 pending" in fixed.stdout
    assert [(r["status"], r["errors"]) for r in _report(queue)[3:]] == [("recorded", "")] * 3
    _wait_for_counts(running_stack, campaign, registered=3, paid=3)


def _pending(rows: list[dict[str, str]]) -> int:
    return sum(1 for row in rows if row["status"] == "pending")


@pytest.mark.timeout(300)
def test_ctrl_c_mid_sync_writes_the_report_says_how_to_resume_and_the_rerun_sends_only_the_rest(
    running_stack: RunningStack, tmp_path: Path
) -> None:
    campaign = str(uuid.uuid4())
    queue = tmp_path / "booth-day2.jsonl"
    expected = _queue(queue, campaign, good=120)
    state = queue.with_name(queue.name + ".jangkau-sync.json")
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"

    with out.open("w") as stdout, err.open("w") as stderr:
        running = subprocess.Popen(
            [JANGKAU, "sync", str(queue), "--batch-size", "5"],
            env=running_stack.cli_env,
            stdout=stdout,
            stderr=stderr,
        )
        try:
            wait_for(lambda: _done(state), until=lambda n: n >= 5, timeout=60, interval=0.05, what="answers")
            # Held still, so the Ctrl-C lands mid-sync however fast the rest would go.
            running.send_signal(signal.SIGSTOP)
            running.send_signal(signal.SIGINT)
            running.send_signal(signal.SIGCONT)
            code = running.wait(timeout=60)
        finally:
            running.kill()
            running.wait(timeout=30)
    printed, complained = out.read_text(), err.read_text()

    assert code == 130, printed + complained
    assert "Traceback" not in printed + complained, complained
    rows, answered = _report(queue), _done(state)
    assert len(rows) == len(queue.read_text().splitlines())
    pending = _pending(rows)
    items = sum(1 for line in _parsed(queue) if line.get("kind") in ("registration", "contribution"))
    assert pending == items - answered > 0  # every item without an answer, good or bad
    assert f"this run: {answered} sent" in printed
    assert f"; {pending} pending" in printed
    assert "interrupted (Ctrl-C)" in complained
    assert f"to send the rest, run: jangkau sync {queue}" in complained
    niks = [str(line["nik"]) for line in _parsed(queue) if "nik" in line]
    assert not [nik for nik in niks if nik in printed + complained]  # no NIK on screen

    resumed = jangkau(running_stack, "sync", str(queue), "--batch-size", "50")

    _no_traceback(resumed)
    assert resumed.returncode == 1, resumed.stderr  # the bad lines are still rejected
    assert f"this run: {pending} sent" in resumed.stdout  # nothing answered before was sent again
    final = _report(queue)
    assert _pending(final) == 0
    statuses = [row["status"] for row in final]
    assert statuses.count("created") == expected["registrations"]
    assert statuses.count("recorded") == expected["payments"]
    _wait_for_counts(running_stack, campaign, expected["registrations"], expected["payments"])


@pytest.mark.timeout(120)
def test_status_prints_the_branch_coverage_table(running_stack: RunningStack) -> None:
    table = jangkau(running_stack, "status", "--branch", "jambi")
    assert table.returncode == 0, table.stderr
    assert "Coverage of branch jambi" in table.stdout
    for column in ("registered", "active", "arrears", "lapsed", "target", "coverage"):
        assert column in table.stdout

    raw = jangkau(running_stack, "status", "--branch", "jambi", "--json")
    assert raw.returncode == 0, raw.stderr
    counts = json.loads(raw.stdout)
    assert counts["registered"] >= 1
    states = ("never_paid", "active", "arrears_1", "arrears_2", "arrears_3", "lapsed")
    assert counts["registered"] == sum(counts[s] for s in states)

    unknown = jangkau(running_stack, "status", "--branch", "atlantis")  # a typo is pointed out, not hidden
    assert unknown.returncode == 0, unknown.stderr
    assert "check the branch code" in unknown.stderr
