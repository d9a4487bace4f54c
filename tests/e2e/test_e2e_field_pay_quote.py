"""`jangkau pay` without `--amount` pays what the registration service quotes, against the real stack.

The command keeps no rate table: when ops add a rate period to the service's table
(``JANGKAU_REGISTRATION_RATES_FILE``), the next payment taken in the field uses it. The second
test runs a registration process of its own with such a table, on the stack's database.
"""

import json
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import httpx
import pytest
from e2e_stack import RunningStack
from fault_kit import JAMBI_VILLAGE, ServiceProcess, campaign_counts, extra_port, jambi_nik
from field_kit import jangkau

from jangkau_registration.bootstrap import RATES
from jangkau_registration.domain.months import Month
from support import wait_for

pytestmark = pytest.mark.e2e


def _register(stack: RunningStack, registered_on: str, campaign: str) -> str:
    """Register a Batanghari trader (Rp 1,000,000 bracket, JKK and JKM) with the command."""
    done = jangkau(
        stack,
        *("register", "--nik", jambi_nik(random.Random()), "--name", "Ibu Sari", "--village", JAMBI_VILLAGE),
        *("--segment", "trader", "--income", "1000000", "--programmes", "JKK,JKM", "--channel", "market"),
        *("--campaign", campaign, "--registered-on", registered_on, "--json"),
    )
    assert done.returncode == 0, done.stderr
    return str(json.loads(done.stdout)["participant_id"])


def _paid_through(stack: RunningStack, participant: str) -> str | None:
    shown = jangkau(stack, "participant", "show", participant, "--json")
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)["paid_through"]  # type: ignore[no-any-return]


@pytest.mark.timeout(180)
def test_pay_without_amount_sends_the_quoted_amount_and_says_where_it_comes_from(
    running_stack: RunningStack,
) -> None:
    campaign = str(uuid.uuid4())
    participant = _register(running_stack, "2026-03-20", campaign)

    paid = jangkau(
        running_stack,
        "pay",
        participant,
        *("--first-month", "2026-03", "--months", "3"),
        "--paid-on",
        "2026-03-20",
    )

    assert paid.returncode == 0, paid.stderr
    # March at full rates, April and May at 50 % off JKK and JKM: 16,800 + 2 x 8,400.
    assert "amount quoted by the registration service: Rp 33,600 for 2026-03 to 2026-05" in paid.stdout
    assert "2026 BPU discount" in paid.stdout
    assert "paid through 2026-05" in paid.stdout
    assert "recorded" in paid.stdout
    assert _paid_through(running_stack, participant) == "2026-05"
    wait_for(
        lambda: campaign_counts(running_stack, campaign),
        until=lambda counts: counts == {"registered": 1, "paid": 1},
        timeout=60,
        what=f"campaign {campaign}: 1 registered, 1 paid",
    )


def test_a_month_the_participant_may_not_pay_is_refused_at_the_quote_and_nothing_is_sent(
    running_stack: RunningStack,
) -> None:
    participant = _register(running_stack, "2026-03-20", str(uuid.uuid4()))

    refused = jangkau(
        running_stack, "pay", participant, "--first-month", "2025-12", "--paid-on", "2026-03-20"
    )

    assert refused.returncode == 1
    assert "first_month ('2025-12')" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert _paid_through(running_stack, participant) is None


def _month_after(day: date, months: int) -> str:
    """The month ``months`` after the month of ``day``, YYYY-MM."""
    return str(Month.of(day).plus(months))


def _rates_with_a_period_from(first: str, last_of_old: str) -> str:
    """The packaged rate table as ops change it: the period in force closed, a new one from ``first``.

    The new period raises JKM to Rp 7,500 (a rate the command has no copy of).
    """
    packaged = RATES.read_text("utf-8")
    opened = 'from = "2015-07"\n'
    assert packaged.count(opened) == 1, "the packaged rate table changed shape: adapt this test"
    closed = packaged.replace(opened, f'{opened}until = "{last_of_old}"\n')
    added = f'from = "{first}"\njkk_basis_points = 100\njkm_flat = 7_500\njht_basis_points = 200\n'
    return f"{closed}\n[[rate]]\n{added}"


@contextmanager
def _registration_with_rates(stack: RunningStack, rates: Path) -> Iterator[str]:
    """A registration API on the stack's database and broker with another rate table; its URL.

    Its relay is off: the stack's own registration relay publishes what it stores. It runs on the
    profile's registration port + 20 (derived, so profiles side by side never share it).
    """
    port = extra_port(stack, "registration", 20, "the extra registration process")
    env = {"JANGKAU_REGISTRATION_RATES_FILE": str(rates), "JANGKAU_REGISTRATION_RUN_RELAY": "false"}
    process = ServiceProcess("rates", port, service="registration", env=env)
    process.launch()
    try:
        process.wait_ready()
        yield process.url
    finally:
        try:
            if process.running:
                process.terminate()
        finally:
            process.kill()


@pytest.mark.timeout(240)
def test_pay_without_amount_uses_a_rate_period_ops_added_to_the_service(
    running_stack: RunningStack, tmp_path: Path
) -> None:
    today = date.today()
    this_month, next_month = _month_after(today, 0), _month_after(today, 1)
    rates = tmp_path / "rates.toml"
    rates.write_text(_rates_with_a_period_from(next_month, this_month))
    campaign = str(uuid.uuid4())
    participant = _register(running_stack, today.isoformat(), campaign)
    terms = {"paid_on": today.isoformat(), "payer_type": "regional_budget"}  # a budget: no discount

    with _registration_with_rates(running_stack, rates) as url:
        before = httpx.get(
            f"{url}/v1/participants/{participant}/quote",
            params={"first_month": this_month, "months": 3, **terms},
            headers={"Authorization": f"Bearer {running_stack.token}"},
            timeout=30,
        )
        paid = jangkau(
            running_stack,
            *("pay", participant, "--first-month", next_month, "--months", "3"),
            *("--payer", terms["payer_type"], "--paid-on", terms["paid_on"]),
            JANGKAU_REGISTRATION_URL=url,
        )

    assert paid.returncode == 0, paid.stdout + paid.stderr
    assert f"Rp {3 * 17_500:,}" in paid.stdout  # JKK 1 % of Rp 1,000,000 + the new JKM of Rp 7,500
    assert f"rates from {next_month}" in paid.stdout
    assert "recorded" in paid.stdout
    assert _paid_through(running_stack, participant) == _month_after(today, 3)
    # Quoted from this month, the old period prices this month and the new one the next two.
    assert before.status_code == 200, before.text
    assert [(m["amount"], m["rate_until"]) for m in before.json()["monthly"]] == [
        (16_800, this_month),
        (17_500, None),
        (17_500, None),
    ]
    wait_for(
        lambda: campaign_counts(running_stack, campaign),
        until=lambda counts: counts == {"registered": 1, "paid": 1},
        timeout=60,
        what=f"campaign {campaign}: 1 registered, 1 paid",
    )
