"""The demo base: big enough, varied, valid, fictional, and loaded only once."""

from __future__ import annotations

from tortoise.functions import Count
from validate_docbr import CNPJ, CPF

from admin.passwords import verify_password
from models import (
    Agency,
    Campaign,
    CampaignEntry,
    CollectionAction,
    CollectionRule,
    CollectionStatus,
    ContactType,
    Customer,
    InstallmentOption,
    PaymentCondition,
    Receivable,
    ResultType,
    User,
)
from models.clock import today_in
from models.enums import OPEN_ENTRY_STATES, ActionKind, ContactKind, ReceivableStatus, Role
from negotiation.rule_filters import count_of
from negotiation.rule_run import run_rule
from quita.demo import DEMO_ADMIN, load_demo
from quita.settings import Settings


async def test_demo_loads_a_varied_valid_base_once(db):
    settings = Settings(database_url=db)
    first = await load_demo(settings)
    second = await load_demo(settings)

    assert first == second
    assert first["customers"] >= 200
    assert first["receivables"] >= 1000
    customers = await Customer.all()
    assert all(
        CPF().validate(c.document) if len(c.document) == 11 else CNPJ().validate(c.document)
        for c in customers
    )
    assert any(len(c.document) == 14 for c in customers)
    assert len({c.city for c in customers}) >= 5
    assert len({c.state for c in customers}) >= 4
    assert len({c.plan for c in customers}) >= 4
    methods = await Receivable.all().values_list("billing_method", flat=True)
    assert len(set(methods)) >= 3
    assert await Receivable.filter(status=ReceivableStatus.OPEN).count() > 300


async def test_demo_has_the_seed_conditions_catalog_rule_and_admin(db):
    await load_demo(Settings(database_url=db))

    default = await PaymentCondition.get(is_default=True)
    cash = await InstallmentOption.get(condition=default)
    assert (cash.installments, cash.days_between) == (1, 0)
    assert cash.interest_discount_pct > 0 and cash.debt_discount_pct > 0
    options = await InstallmentOption.filter(condition__is_default=False)
    assert any(o.installments > 1 and o.min_down_payment_pct == 0 for o in options)
    assert any(o.min_down_payment_pct > 0 and o.days_between == 20 for o in options)

    assert await ResultType.all().count() >= 4
    statuses = await CollectionStatus.all()
    assert {s.allows_receipt for s in statuses} == {True, False}
    assert await Agency.all().count() == 1
    rule = await CollectionRule.get()
    assert rule.active
    assert await rule.filters.all().count() >= 1
    linked = await rule.conditions.all()
    assert linked and not any(c.is_default for c in linked)

    username, password = DEMO_ADMIN
    admin = await User.get(username=username)
    assert admin.role == Role.ADMIN
    assert verify_password(password, admin.password_hash)
    agency_user = await User.get(username="escritorio")
    assert agency_user.role == Role.AGENCY
    assert agency_user.agency_id == (await Agency.get()).id
    assert verify_password(password, agency_user.password_hash)


async def test_loading_the_demo_again_changes_no_row(db):
    settings = Settings(database_url=db)
    await load_demo(settings)
    before = [
        await model.all().order_by("id").values()
        for model in (User, Customer, Receivable, PaymentCondition, InstallmentOption, Agency)
    ]
    await load_demo(settings)
    after = [
        await model.all().order_by("id").values()
        for model in (User, Customer, Receivable, PaymentCondition, InstallmentOption, Agency)
    ]
    assert after == before


async def test_demo_rules_make_robot_campaigns_with_one_open_entry_per_debtor(db):
    settings = Settings(database_url=db)
    await load_demo(settings)
    demo_rule = await CollectionRule.get()
    # A second rule over the same debtors, as an ISP would add one.
    overlapping = await CollectionRule.create(description="Todos os inadimplentes", active=True)
    await CollectionAction.create(rule=overlapping, kind=ActionKind.ROBOT_CALL)
    today = today_in(settings.timezone)

    first = await run_rule(demo_rule.id, today)
    second = await run_rule(overlapping.id, today)
    again = await run_rule(demo_rule.id, today)

    robot = await ContactType.get(kind=ContactKind.ROBOT_CALL)
    for run in (first, second, again):
        assert (await Campaign.get(run_id=run.id)).contact_type_id == robot.id
    assert first.customers_count > 0
    assert f"Deixados de fora: {count_of(first.customers_count)} clientes" in second.log
    assert again.customers_count == 0
    per_debtor = (
        await CampaignEntry.filter(state__in=OPEN_ENTRY_STATES)
        .annotate(n=Count("id"))
        .group_by("customer_id")
        .values_list("n", flat=True)
    )
    assert per_debtor and set(per_debtor) == {1}
