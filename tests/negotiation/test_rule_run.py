"""Rule execution (issue 3 §4, DESIGN.md §4) against real SQLite and PostgreSQL databases."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from models import Campaign, CampaignEntry, Customer, RuleRun
from models.enums import AgreementStatus, EntryState, FilterField, ReceivableStatus, RunStatus
from negotiation.errors import Conflict, InvalidInput, NotFound
from negotiation.rule_filters import check_filter
from negotiation.rule_run import execute_run, preview, run_rule, start_run
from tests.factories import make_customer, make_receivable
from tests.negotiation.rule_factories import make_agreement, make_entry, make_rule, make_user

TODAY = date(2026, 3, 10)


async def base() -> dict[str, Customer]:
    """Three debtors, plus bills that never count (paid, cancelled, not yet late).

    ana   Campinas / SP / Fibra 300 / active:     100.00 boleto  9 days late (03-01)
                                                    50.00 pix    60 days late (01-09)
    bia   São Paulo / SP / Fibra 500 / suspended: 300.00 card   30 days late (02-08)
    caio  Rio de Janeiro / RJ / no plan / active:  20.00 boleto  1, 2, 3 days late
    """
    ana = await make_customer(city="Campinas", state="SP", plan="Fibra 300")
    bia = await make_customer(city="São Paulo", state="SP", plan="Fibra 500", status="suspended")
    caio = await make_customer(city="Rio de Janeiro", state="RJ", plan=None)
    await make_receivable(ana, date(2026, 3, 1), "100.00", "boleto")
    await make_receivable(ana, date(2026, 1, 9), "50.00", "pix")
    await make_receivable(
        ana,
        date(2026, 2, 1),
        "999.00",
        status=ReceivableStatus.PAID,
        paid_at=datetime(2026, 2, 2, tzinfo=UTC),
    )
    await make_receivable(ana, TODAY, "777.00")  # due today: 0 days late
    await make_receivable(ana, date(2026, 4, 1), "555.00")  # not due yet
    await make_receivable(bia, date(2026, 2, 8), "300.00", "card")
    await make_receivable(bia, date(2026, 2, 1), "888.00", status=ReceivableStatus.CANCELLED)
    for day in (9, 8, 7):
        await make_receivable(caio, date(2026, 3, day), "20.00", "boleto")
    return {"ana": ana, "bia": bia, "caio": caio}


async def entries_of(run: RuleRun) -> list[CampaignEntry]:
    campaign = await Campaign.get(run_id=run.id)
    return await CampaignEntry.filter(campaign_id=campaign.id).order_by("position")


async def selected(run: RuleRun, people: dict[str, Customer]) -> dict[str, tuple[int, str]]:
    names = {c.id: name for name, c in people.items()}
    return {
        names[e.customer_id]: (e.receivables_count, str(e.total_debt))
        for e in await entries_of(run)
    }


ANA, ANA_BOLETO, ANA_PIX = ("ana", (2, "150.00")), ("ana", (1, "100.00")), ("ana", (1, "50.00"))
BIA = ("bia", (1, "300.00"))
CAIO = ("caio", (3, "60.00"))

# field: [(operator, value, expected {customer: (receivables, total)})]. Every operator of
# every field has a case; each case both includes and leaves out someone.
CASES: dict[str, list[tuple[str, Any, dict[str, tuple[int, str]]]]] = {
    "city": [
        ("eq", "Campinas", dict([ANA])),
        ("ne", "Campinas", dict([BIA, CAIO])),
        ("in", ["Campinas", "Rio de Janeiro"], dict([ANA, CAIO])),
        ("not_in", ["Campinas"], dict([BIA, CAIO])),
        ("contains", "PAUL", dict([BIA])),  # case-insensitive
        ("contains", "rio", dict([CAIO])),
    ],
    "state": [
        ("eq", "RJ", dict([CAIO])),
        ("ne", "SP", dict([CAIO])),
        ("in", ["SP"], dict([ANA, BIA])),
        ("not_in", ["SP"], dict([CAIO])),
        ("contains", "j", dict([CAIO])),
    ],
    "plan": [
        ("eq", "Fibra 300", dict([ANA])),
        ("ne", "Fibra 300", dict([BIA, CAIO])),  # no plan is "not Fibra 300"
        ("in", ["Fibra 500"], dict([BIA])),
        ("not_in", ["Fibra 300", "Fibra 500"], dict([CAIO])),
        ("contains", "FIBRA", dict([ANA, BIA])),
    ],
    "customer_status": [
        ("eq", "suspended", dict([BIA])),
        ("ne", "suspended", dict([ANA, CAIO])),
        ("in", ["active"], dict([ANA, CAIO])),
        ("not_in", ["active"], dict([BIA])),
        ("contains", "PEND", dict([BIA])),
    ],
    "billing_method": [
        ("eq", "pix", dict([ANA_PIX])),
        ("ne", "boleto", dict([ANA_PIX, BIA])),
        ("in", ["card", "pix"], dict([ANA_PIX, BIA])),
        ("not_in", ["pix", "card"], dict([ANA_BOLETO, CAIO])),
        ("contains", "BOL", dict([ANA_BOLETO, CAIO])),
    ],
    "due_date": [
        ("eq", "2026-03-01", dict([ANA_BOLETO])),
        ("ne", "2026-03-01", dict([ANA_PIX, BIA, CAIO])),
        ("lt", "2026-02-08", dict([ANA_PIX])),
        ("le", "2026-02-08", dict([ANA_PIX, BIA])),
        ("gt", "2026-03-07", {"caio": (2, "40.00")}),
        ("ge", "2026-03-07", dict([CAIO])),
        ("between", ["2026-02-08", "2026-03-01"], dict([ANA_BOLETO, BIA])),  # inclusive
        ("in", ["2026-03-09", "2026-01-09"], dict([ANA_PIX, ("caio", (1, "20.00"))])),
        ("not_in", ["2026-03-09", "2026-01-09"], dict([ANA_BOLETO, BIA, ("caio", (2, "40.00"))])),
    ],
    "days_late": [
        ("eq", 30, dict([BIA])),
        ("ne", 30, dict([ANA, CAIO])),
        ("lt", 3, {"caio": (2, "40.00")}),
        ("le", 3, dict([CAIO])),
        ("gt", 30, dict([ANA_PIX])),
        ("ge", 30, dict([ANA_PIX, BIA])),
        ("between", [2, 9], dict([ANA_BOLETO, ("caio", (2, "40.00"))])),  # inclusive
        ("in", [1, 60], dict([ANA_PIX, ("caio", (1, "20.00"))])),
        ("not_in", [1, 2, 3], dict([ANA, BIA])),
    ],
    "amount": [
        ("eq", "20.00", dict([CAIO])),
        ("ne", 20, dict([ANA, BIA])),
        ("lt", 50, dict([CAIO])),
        ("le", "50", dict([ANA_PIX, CAIO])),
        ("gt", 100, dict([BIA])),
        ("ge", 100.0, dict([ANA_BOLETO, BIA])),
        ("between", ["50.00", "100.00"], dict([ANA])),  # inclusive
        ("in", [300, "20.00"], dict([BIA, CAIO])),
        ("not_in", ["20"], dict([ANA, BIA])),
    ],
    "total_debt": [
        ("eq", "150.00", dict([ANA])),
        ("ne", 150, dict([BIA, CAIO])),
        ("lt", 150, dict([CAIO])),
        ("le", 150, dict([ANA, CAIO])),
        ("gt", "150", dict([BIA])),
        ("ge", 300, dict([BIA])),
        ("between", [60, 150], dict([ANA, CAIO])),  # inclusive
        ("in", [60, 300], dict([BIA, CAIO])),
        ("not_in", [60], dict([ANA, BIA])),
    ],
    "open_count": [
        ("eq", 3, dict([CAIO])),
        ("ne", 1, dict([ANA, CAIO])),
        ("lt", 2, dict([BIA])),
        ("le", 2, dict([ANA, BIA])),
        ("gt", 2, dict([CAIO])),
        ("ge", 2, dict([ANA, CAIO])),
        ("between", [2, 3], dict([ANA, CAIO])),  # inclusive
        ("in", [1, 3], dict([BIA, CAIO])),
        ("not_in", [2], dict([BIA, CAIO])),
    ],
}


def test_cases_cover_every_operator_of_every_field() -> None:
    text = {"eq", "ne", "in", "not_in", "contains"}
    ordered = {"eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "between"}
    text_fields = {"city", "state", "plan", "customer_status", "billing_method"}
    assert set(CASES) == {f.value for f in FilterField}
    for field, cases in CASES.items():
        operators = {op for op, _, _ in cases}
        assert operators == (text if field in text_fields else ordered), field
        for op, value, expected in cases:
            # includes someone, and leaves out a customer or one of their receivables
            assert expected and expected != dict([ANA, BIA, CAIO]), (field, op, value)


@pytest.mark.parametrize("field", sorted(CASES))
async def test_filter_field_with_each_operator(each_db, field: str) -> None:
    people = await base()
    for op, value, expected in CASES[field]:
        rule = await make_rule((field, op, value))
        seen = await preview(rule.id, TODAY)
        run = await run_rule(rule.id, TODAY)
        case = f"{field} {op} {value!r}"
        assert run.status == RunStatus.FINISHED, (case, run.error)
        assert await selected(run, people) == expected, case
        receivables = sum(n for n, _ in expected.values())
        amount = sum(Decimal(total) for _, total in expected.values())
        assert (seen.customers, seen.receivables, seen.amount) == (
            len(expected),
            receivables,
            amount,
        ), case
        # Each case on its own: a debtor in an open entry is left out of every other rule.
        await CampaignEntry.all().update(state=EntryState.DONE)
        assert (run.customers_count, run.receivables_count, run.amount) == (
            len(expected),
            receivables,
            amount,
        ), case


async def test_receivable_filters_restrict_what_total_debt_adds_up(each_db) -> None:
    people = await base()
    rule = await make_rule(("billing_method", "eq", "boleto"), ("total_debt", "eq", "100.00"))
    run = await run_rule(rule.id, TODAY)
    assert await selected(run, people) == dict([ANA_BOLETO])


async def test_no_filters_selects_every_open_overdue_debt(each_db) -> None:
    people = await base()
    run = await run_rule((await make_rule()).id, TODAY)
    assert await selected(run, people) == dict([ANA, BIA, CAIO])
    assert run.amount == Decimal("510.00")


@pytest.mark.parametrize(
    ("low", "high", "names"),
    [
        ("60.00", "150.00", {"ana", "caio"}),  # both bounds inclusive
        ("60.01", None, {"ana", "bia"}),
        (None, "149.99", {"caio"}),
        (None, None, {"ana", "bia", "caio"}),
    ],
)
async def test_rule_amount_limits_bound_the_total_debt(each_db, low, high, names) -> None:
    people = await base()
    rule = await make_rule(
        amount_min=None if low is None else Decimal(low),
        amount_max=None if high is None else Decimal(high),
    )
    assert set(await selected(await run_rule(rule.id, TODAY), people)) == names
    assert (await preview(rule.id, TODAY)).customers == 0  # they now have open entries


async def test_leaves_out_active_agreement_opt_out_and_open_entry(each_db) -> None:
    rule = await make_rule()
    other_rule = await make_rule()
    people: dict[str, Customer] = {}

    async def debtor(name: str, **fields: Any) -> Customer:
        people[name] = await make_customer(**fields)
        await make_receivable(people[name], date(2026, 2, 1), "10.00")
        return people[name]

    await make_agreement(await debtor("active_agreement"), AgreementStatus.ACTIVE)
    await make_agreement(await debtor("broken_agreement"), AgreementStatus.BROKEN)
    await make_agreement(await debtor("fulfilled_agreement"), AgreementStatus.FULFILLED)
    await debtor("opted_out", opted_out_at=datetime(2026, 1, 1, tzinfo=UTC))
    await debtor("no_calls", no_calls=True)
    await debtor("no_sms", no_sms=True, no_email=True, no_telegram=True)
    for state in EntryState:
        await make_entry(rule, await debtor(f"entry_{state.value}"), state)
    await make_entry(other_rule, await debtor("entry_other_rule"), EntryState.PENDING)

    run = await run_rule(rule.id, TODAY)
    expected = {
        "broken_agreement",
        "fulfilled_agreement",
        "no_sms",
        "entry_done",
        "entry_cancelled",
    }
    assert set(await selected(run, people)) == expected
    # One debtor, one open line of work: open entries of any rule keep the debtor out, and
    # the log says how many (pending, scheduled, in progress, exported, the other rule's).
    assert "Deixados de fora: 5 clientes já estão em outra campanha aberta" in run.log
    # Everyone the other rule could take is now in an open entry.
    assert (await preview(other_rule.id, TODAY)).customers == 0


async def test_rerunning_does_not_duplicate_open_entries(each_db) -> None:
    people = await base()
    rule = await make_rule()
    first = await run_rule(rule.id, TODAY)
    assert first.customers_count == 3

    again = await run_rule(rule.id, TODAY)
    assert again.status == RunStatus.FINISHED
    assert again.customers_count == 0
    assert await entries_of(again) == []
    assert "Nenhum cliente atende à regra" in again.log

    dora = await make_customer()
    await make_receivable(dora, date(2026, 3, 1), "5.00")
    people["dora"] = dora
    third = await run_rule(rule.id, TODAY)
    assert await selected(third, people) == {"dora": (1, "5.00")}

    # An entry that was worked to the end lets the customer in again.
    await CampaignEntry.filter(customer_id=people["ana"].id).update(state=EntryState.DONE)
    fourth = await run_rule(rule.id, TODAY)
    assert await selected(fourth, people) == dict([ANA])
    open_states = [EntryState.PENDING, EntryState.SCHEDULED, EntryState.IN_PROGRESS]
    for customer in people.values():
        assert (
            await CampaignEntry.filter(
                rule_id=rule.id, customer_id=customer.id, state__in=open_states
            ).count()
            == 1
        )


async def test_preview_writes_nothing_and_equals_the_run(each_db) -> None:
    await base()
    rule = await make_rule(("days_late", "ge", 2))
    seen = await preview(rule.id, TODAY)
    assert await Campaign.all().count() == 0
    assert await RuleRun.all().count() == 0
    run = await run_rule(rule.id, TODAY)
    assert (seen.customers, seen.receivables, seen.amount) == (3, 5, Decimal("490.00"))
    assert (run.customers_count, run.receivables_count, run.amount) == (3, 5, Decimal("490.00"))
    stored = await RuleRun.get(id=run.id)
    assert (stored.customers_count, stored.receivables_count, stored.amount) == (
        3,
        5,
        Decimal("490.00"),
    )


async def test_money_is_summed_exactly(each_db) -> None:
    customer = await make_customer()
    for amount in ("0.10", "0.20", "123456789.99", "0.01"):
        await make_receivable(customer, date(2026, 1, 1), amount)
    rule = await make_rule(("total_debt", "eq", "123456790.30"))
    assert (await preview(rule.id, TODAY)).amount == Decimal("123456790.30")
    run = await run_rule(rule.id, TODAY)
    (entry,) = await entries_of(run)
    assert entry.total_debt == Decimal("123456790.30")
    assert run.amount == Decimal("123456790.30")
    assert "R$ 123.456.790,30" in run.log


async def test_entries_ordered_by_total_debt_then_customer_with_call_turns(each_db) -> None:
    amounts = ["50.00", "300.00", "50.00", "120.50", "7.00"]
    customers = [await make_customer() for _ in amounts]
    for customer, amount in zip(customers, amounts, strict=True):
        await make_receivable(customer, date(2026, 2, 1), amount)
    await make_receivable(customers[4], date(2026, 1, 15), "0.01")
    rule = await make_rule(minutes_per_call=7, priority=3)
    run = await run_rule(rule.id, TODAY)

    entries = await entries_of(run)
    assert [e.customer_id for e in entries] == [
        customers[1].id,
        customers[3].id,
        customers[0].id,  # ties on the amount: lower customer id first
        customers[2].id,
        customers[4].id,
    ]
    assert [e.position for e in entries] == [1, 2, 3, 4, 5]
    assert [str(e.total_debt) for e in entries] == ["300.00", "120.50", "50.00", "50.00", "7.01"]
    start = run.started_at.replace(microsecond=0)
    assert [e.call_at for e in entries] == [start + timedelta(minutes=7 * k) for k in range(5)]
    last = entries[-1]
    assert (last.receivables_count, last.oldest_due_date, last.plans) == (
        2,
        date(2026, 1, 15),
        "Fibra 300",
    )
    assert {(e.state, e.rule_id, e.attempts) for e in entries} == {(EntryState.PENDING, rule.id, 0)}
    assert all(e.created_at is not None and e.created_at.tzinfo for e in entries)
    campaign = await Campaign.get(run_id=run.id)
    assert campaign.rule_id == rule.id
    assert campaign.description == f"{rule.description} — 10/03/2026"


async def test_run_log_progress_and_who(each_db) -> None:
    await base()
    user = await make_user(full_name="Marta Souza", username="marta")
    rule = await make_rule(("state", "in", ["SP", "RJ"]), amount_min=Decimal("10.00"))
    seen: list[tuple[int, str]] = []

    async def progress(percent: int, message: str) -> None:
        seen.append((percent, message))

    run = await run_rule(rule.id, TODAY, user_id=user.id, progress=progress)
    stored = await RuleRun.get(id=run.id)
    assert stored.status == RunStatus.FINISHED
    assert stored.progress == 100
    assert stored.started_by_id == user.id
    assert stored.finished_at is not None and stored.finished_at >= stored.started_at
    assert stored.error is None
    lines = stored.log.splitlines()
    assert lines[0].startswith("Início da execução: regra")
    assert "por Marta Souza (marta)" in lines[0]
    assert "10/03/2026" in lines[0]
    assert lines[1] == "Filtros: UF em “SP”, “RJ”; valores de cobrança a partir de R$ 10,00"
    assert "3 clientes selecionados (6 contas a receber, R$ 510,00)" in lines
    assert lines[-1].startswith("Fim: 3 entradas, R$ 510,00 (")
    percents = [p for p, _ in seen]
    assert percents == sorted(percents) and percents[-1] == 100
    assert [m for _, m in seen] == [*lines[: len(seen) - 1], lines[-1]]


async def test_inactive_rule_runs_with_a_warning_and_empty_list_is_logged(each_db) -> None:
    rule = await make_rule(active=False)
    run = await run_rule(rule.id, TODAY, progress=lambda p, m: None)
    assert run.status == RunStatus.FINISHED
    assert "Atenção: a regra está inativa (execução manual)" in run.log
    assert "0 clientes selecionados (0 contas a receber, R$ 0,00)" in run.log
    assert "Fim: 0 entradas, R$ 0,00" in run.log
    assert await Campaign.filter(run_id=run.id).count() == 1


async def test_bad_filter_fails_the_run_and_writes_nothing(each_db) -> None:
    await base()
    rule = await make_rule(("state", "in", ["SP"]), ("days_late", "between", [30]))
    with pytest.raises(InvalidInput) as caught:
        await run_rule(rule.id, TODAY)
    assert "filtro 2 (dias de atraso entre)" in str(caught.value)
    assert "dois valores" in str(caught.value)
    run = await RuleRun.get(rule_id=rule.id)
    assert run.status == RunStatus.FAILED
    assert run.finished_at is not None
    assert run.error == str(caught.value)
    assert f"Erro: {caught.value}" in run.log
    assert run.log.splitlines()[-1] == "Execução interrompida; nenhuma entrada foi gravada"
    assert await Campaign.all().count() == 0
    assert await CampaignEntry.all().count() == 0
    with pytest.raises(InvalidInput):
        await preview(rule.id, TODAY)


async def test_failure_inside_the_transaction_rolls_everything_back(each_db) -> None:
    await base()
    rule = await make_rule()

    def explode(percent: int, message: str) -> None:
        if percent == 90:  # after the entries were inserted, before the commit
            raise RuntimeError("disco cheio")

    with pytest.raises(RuntimeError):
        await run_rule(rule.id, TODAY, progress=explode)
    run = await RuleRun.get(rule_id=rule.id)
    assert (run.status, run.error) == (RunStatus.FAILED, "RuntimeError: disco cheio")
    assert (run.customers_count, run.amount) == (0, Decimal("0"))
    assert await Campaign.all().count() == 0
    assert await CampaignEntry.all().count() == 0
    # and the rule can be run again, cleanly
    assert (await run_rule(rule.id, TODAY)).customers_count == 3


async def test_unknown_rule_user_and_finished_run(each_db) -> None:
    with pytest.raises(NotFound, match="regra de cobrança 999 não existe"):
        await preview(999, TODAY)
    with pytest.raises(NotFound, match="regra de cobrança 999 não existe"):
        await run_rule(999, TODAY)
    rule = await make_rule()
    with pytest.raises(NotFound, match="usuário 999"):
        await start_run(rule.id, 999)
    with pytest.raises(NotFound):
        await execute_run(999, TODAY)
    run = await start_run(rule.id, None)
    assert (run.status, run.progress, run.log) == (RunStatus.RUNNING, 0, "")
    await execute_run(run.id, TODAY)
    with pytest.raises(Conflict):
        await execute_run(run.id, TODAY)
    assert await RuleRun.all().count() == 1


async def test_open_entry_index_backs_the_exclusion(each_db) -> None:
    """Even a second writer that skipped the exclusion could not add a second open entry."""
    from tortoise.exceptions import IntegrityError

    await base()
    rule = await make_rule()
    run = await run_rule(rule.id, TODAY)
    (entry, *_) = await entries_of(run)
    with pytest.raises(IntegrityError):
        await make_entry(rule, await Customer.get(id=entry.customer_id), EntryState.SCHEDULED)


BAD = [
    ("days_late", "between", [30], "informe uma lista com dois valores"),
    ("days_late", "between", [30, 10], "menor ou igual"),
    ("amount", "between", "10,20", "dois valores"),
    ("state", "in", [], "pelo menos um valor"),
    ("state", "not_in", "SP", "pelo menos um valor"),
    ("state", "eq", ["SP"], "um único valor"),
    ("state", "eq", "  ", "texto não vazio"),
    ("city", "eq", 12, "texto não vazio"),
    ("city", "lt", "Campinas", "operador não se aplica"),
    ("days_late", "contains", "3", "operador não se aplica"),
    ("days_late", "ge", "trinta", "número inteiro"),
    ("days_late", "ge", True, "número inteiro"),
    ("days_late", "ge", 2.5, "número inteiro"),
    ("open_count", "ge", -1, "entre 0 e"),
    ("amount", "gt", "abc", "valor em reais"),
    ("amount", "gt", "10.005", "duas casas decimais"),
    ("total_debt", "gt", -5, "fora do intervalo"),
    ("total_debt", "gt", "NaN", "fora do intervalo"),
    ("due_date", "lt", "10/03/2026", "AAAA-MM-DD"),
    ("due_date", "lt", "20260310", "AAAA-MM-DD"),
    ("due_date", "lt", "2026-02-30", "não existe"),
    ("due_date", "in", ["2026-01-01", None], "AAAA-MM-DD"),
    ("cpf", "eq", "1", "campo 'cpf' desconhecido"),
    ("city", "like", "x", "operador 'like' desconhecido"),
]


@pytest.mark.parametrize(("field", "operator", "value", "needle"), BAD)
def test_check_filter_refuses_bad_values(field, operator, value, needle) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_filter(field, operator, value, name="filtro 3")
    message = str(caught.value)
    assert message.startswith("filtro 3"), message
    assert needle in message, message


def test_check_filter_normalises_values() -> None:
    assert check_filter("amount", "ge", 10.5).value == Decimal("10.50")
    assert check_filter("amount", "in", ["1", 1, "1.00"]).value == (Decimal("1.00"),)
    assert check_filter("days_late", "between", ["3", 9]).value == (3, 9)
    assert check_filter("due_date", "eq", "2026-03-01").value == date(2026, 3, 1)
    assert check_filter("city", "contains", " São ").value == "são"
    assert check_filter("state", "eq", " SP ").value == "SP"


async def test_contains_treats_like_wildcards_as_text(each_db) -> None:
    plain = await make_customer(plan="Fibra 100")
    percent = await make_customer(plan="Promo 100% Fibra")
    for customer in (plain, percent):
        await make_receivable(customer, date(2026, 2, 1), "10.00")
    rule = await make_rule(("plan", "contains", "100%"))
    run = await run_rule(rule.id, TODAY)
    assert [e.customer_id for e in await entries_of(run)] == [percent.id]
    rule = await make_rule(("plan", "contains", "_"))
    assert (await preview(rule.id, TODAY)).customers == 0


async def test_concurrent_runs_of_one_rule_write_each_debtor_once(each_db) -> None:
    await base()
    rule = await make_rule()
    first, second = await asyncio.gather(run_rule(rule.id, TODAY), run_rule(rule.id, TODAY))
    assert {first.status, second.status} == {RunStatus.FINISHED}
    assert sorted([first.customers_count, second.customers_count]) == [0, 3]
    assert await CampaignEntry.filter(rule_id=rule.id).count() == 3


async def test_a_debtor_in_two_overlapping_rules_is_in_one_entry_only(each_db) -> None:
    people = await base()
    first, second = await make_rule(), await make_rule(("state", "eq", "SP"))
    run = await run_rule(first.id, TODAY)
    assert run.customers_count == 3

    overlapping = await run_rule(second.id, TODAY)

    assert overlapping.customers_count == 0 and await entries_of(overlapping) == []
    assert "Deixados de fora: 2 clientes já estão em outra campanha aberta" in overlapping.log
    for customer in people.values():
        assert await CampaignEntry.filter(customer_id=customer.id).count() == 1
    # Once the first rule's entry of a debtor is worked to the end, the other rule takes them.
    await CampaignEntry.filter(customer_id=people["ana"].id).update(state=EntryState.DONE)
    assert await selected(await run_rule(second.id, TODAY), people) == dict([ANA])


async def test_runs_of_two_rules_at_once_put_a_debtor_on_one_list(each_db) -> None:
    people = await base()
    rules = [await make_rule() for _ in range(3)]

    runs = await asyncio.gather(*(run_rule(rule.id, TODAY) for rule in rules))

    assert all(run.status == RunStatus.FINISHED for run in runs), [r.error for r in runs]
    assert sum(run.customers_count for run in runs) == 3
    for customer in people.values():
        assert await CampaignEntry.filter(customer_id=customer.id).count() == 1
