"""Quotes through bootstrap-like wiring with fakes: the amount a payment must have, from the same code."""

import tomllib
from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest
from registration_fakes import DENPASAR, Branches, Store, context

from jangkau_registration import service
from jangkau_registration.bootstrap import RATES
from jangkau_registration.domain.contributions import PayContribution, Quote
from jangkau_registration.domain.errors import AmountMismatch, InvalidField, ParticipantNotFound
from jangkau_registration.domain.months import Month
from jangkau_registration.domain.nik import Nik
from jangkau_registration.domain.participants import RegisterWorker
from jangkau_registration.domain.rates import rate_table
from jangkau_registration.service import Context
from jangkau_shared.events import Channel, PayerType, Programme, Segment

BASIC = frozenset({Programme.JKK, Programme.JKM})
WITH_JHT = BASIC | {Programme.JHT}


async def _participant(
    ctx: Context, programmes: frozenset[Programme] = BASIC, bracket: int = 1_000_000
) -> UUID:
    worker = RegisterWorker(
        client_id=uuid4(),
        nik=Nik.parse("5171011508850001"),
        name="Ni Made Contoh",
        village_code="51.71.01.1003",
        segment=Segment.STREET_VENDOR,
        programmes=programmes,
        income_bracket=bracket,
        channel=Channel.BOOTH,
        registered_on=date(2026, 1, 10),
    )
    return (await service.register_worker(worker, scope=DENPASAR, ctx=ctx)).participant_id


async def _quote(
    ctx: Context,
    pid: UUID,
    first: Month,
    months: int,
    paid_on: date | None,
    payer: PayerType = PayerType.SELF,
) -> Quote:
    return await service.quote_contribution(
        pid, first_month=first, months=months, payer=payer, paid_on=paid_on, scope=DENPASAR, ctx=ctx
    )


async def _pay(ctx: Context, quote: Quote, amount: int) -> Month | None:
    cmd = PayContribution(
        uuid4(), quote.participant.participant_id, quote.first_month, quote.months, amount,
        quote.payer_type, Channel.BOOTH, quote.paid_on,
    )  # fmt: skip
    return (await service.pay_contribution(cmd, scope=DENPASAR, ctx=ctx)).paid_through


async def test_a_quote_prices_each_month_at_its_rate_period_and_tells_the_paid_through_month() -> None:
    store = Store()
    ctx = context(store)
    pid = await _participant(ctx)

    quote = await _quote(ctx, pid, Month(2026, 3), 3, date(2026, 3, 1))

    assert quote.amount == 16_800 + 8_400 + 8_400  # the 2026 discount starts in April
    assert [(str(m.month), m.amount) for m in quote.priced] == [
        ("2026-03", 16_800),
        ("2026-04", 8_400),
        ("2026-05", 8_400),
    ]
    assert {(str(m.rate.valid_from), m.rate.valid_until) for m in quote.priced} == {("2015-07", None)}
    assert quote.priced[0].discounts == ()
    assert "2026 BPU discount" in quote.priced[1].discounts[0]
    assert (str(quote.paid_through), quote.reactivates) == ("2026-05", False)


async def test_a_quote_records_nothing() -> None:
    store = Store()
    ctx = context(store)
    pid = await _participant(ctx)
    events = list(store.events)

    await _quote(ctx, pid, Month(2026, 1), 12, date(2026, 1, 10))

    assert (store.events, store.contributions, store.participants[pid].paid_through) == (events, {}, None)


@pytest.mark.parametrize(
    ("programmes", "bracket", "payer", "first", "months", "paid_on"),
    [
        (BASIC, 1_000_000, PayerType.SELF, Month(2026, 1), 12, date(2026, 1, 10)),
        (BASIC, 1_000_000, PayerType.REGIONAL_BUDGET, Month(2026, 4), 3, date(2026, 4, 2)),
        (WITH_JHT, 2_000_000, PayerType.VILLAGE_FUND, Month(2026, 2), 6, date(2026, 2, 1)),
        (WITH_JHT, 3_500_000, PayerType.NATIONAL_BUDGET, Month(2026, 11), 1, date(2026, 11, 23)),
    ],
)
async def test_the_quoted_amount_is_the_one_a_payment_is_accepted_with(
    programmes: frozenset[Programme],
    bracket: int,
    payer: PayerType,
    first: Month,
    months: int,
    paid_on: date,
) -> None:
    ctx = context(Store())
    pid = await _participant(ctx, programmes, bracket)
    quote = await _quote(ctx, pid, first, months, paid_on, payer)

    with pytest.raises(AmountMismatch) as wrong:
        await _pay(ctx, quote, quote.amount + 1)
    assert wrong.value.expected == quote.amount
    assert await _pay(ctx, quote, quote.amount) == quote.paid_through


async def test_a_lapsed_participant_is_quoted_the_restart_with_the_month_of_payment() -> None:
    ctx = context(Store())
    pid = await _participant(ctx)
    january = await _quote(ctx, pid, Month(2026, 1), 1, date(2026, 1, 10))
    await _pay(ctx, january, january.amount)

    restart = await _quote(ctx, pid, Month(2026, 6), 1, date(2026, 6, 20))

    assert (restart.amount, str(restart.paid_through), restart.reactivates) == (8_400, "2026-06", True)
    with pytest.raises(InvalidField, match="lapsed") as refused:
        await _quote(ctx, pid, Month(2026, 2), 1, date(2026, 6, 20))
    assert (refused.value.field, refused.value.value) == ("first_month", "2026-02")


async def test_a_quote_refuses_what_the_payment_would_refuse_with_the_same_reason() -> None:
    ctx = context(Store())
    pid = await _participant(ctx)
    gap = await _quote(ctx, pid, Month(2026, 1), 1, date(2026, 1, 10))
    await _pay(ctx, gap, gap.amount)

    with pytest.raises(InvalidField) as quoted:
        await _quote(ctx, pid, Month(2026, 3), 1, date(2026, 2, 1))
    with pytest.raises(InvalidField) as paid:
        await _pay(ctx, replace(gap, first_month=Month(2026, 3), paid_on=date(2026, 2, 1)), 16_800)

    assert str(quoted.value) == str(paid.value)
    assert "first_month" in str(quoted.value)
    assert "2026-03" in str(quoted.value)


async def test_a_participant_of_another_branch_gets_no_quote() -> None:
    ctx = context(Store())
    pid = await _participant(ctx)

    with pytest.raises(ParticipantNotFound):
        await service.quote_contribution(
            pid,
            first_month=Month(2026, 1),
            months=1,
            payer=PayerType.SELF,
            paid_on=date(2026, 1, 10),
            scope=Branches(frozenset({"jambi"})),
            ctx=ctx,
        )


async def test_a_quote_without_a_day_is_for_today_in_jakarta() -> None:
    ctx = context(Store(), now=datetime(2026, 11, 30, 18, tzinfo=UTC))  # 1 Dec, 01:00 in Jakarta
    pid = await _participant(ctx)

    quote = await _quote(ctx, pid, Month(2026, 12), 1, None)

    assert quote.paid_on == date(2026, 12, 1)


async def test_a_rate_period_added_to_the_configuration_is_quoted_and_accepted() -> None:
    # What ops do when rates change: close the period in force and add one (never edit a month).
    config = tomllib.loads(RATES.read_text("utf-8"))
    config["rate"][0]["until"] = "2026-11"
    added = {"from": "2026-12", "jkk_basis_points": 100, "jkm_flat": 7_500, "jht_basis_points": 200}
    config["rate"].append(added)
    ctx = replace(context(Store()), rates=rate_table(config))
    pid = await _participant(ctx)

    quote = await _quote(ctx, pid, Month(2026, 11), 3, date(2026, 11, 23), PayerType.REGIONAL_BUDGET)

    assert [m.amount for m in quote.priced] == [16_800, 17_500, 17_500]
    assert [str(m.rate.valid_from) for m in quote.priced] == ["2015-07", "2026-12", "2026-12"]
    assert await _pay(ctx, quote, 16_800 + 2 * 17_500) == Month(2027, 1)
