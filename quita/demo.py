"""The fictional demo base: customers, bills, the seed's conditions, a rule, an admin.

Everything is made up (as the seed's own screenshots are) and generated from a fixed seed, so
two machines get the same base. Loading it again adds nothing.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from faker import Faker
from tortoise.transactions import in_transaction

from admin.passwords import hash_password
from models import (
    Agency,
    CollectionAction,
    CollectionRule,
    CollectionStatus,
    ContactType,
    Customer,
    CustomerPhone,
    InstallmentOption,
    MessageTemplate,
    PaymentCondition,
    Receivable,
    ResultType,
    RuleFilter,
    User,
)
from models.clock import today_in
from models.enums import (
    ActionKind,
    ContactKind,
    DeliveryChannel,
    FilterField,
    FilterOperator,
    ReceivableStatus,
    ResultKind,
    Role,
)
from negotiation.documents import normalize_document
from negotiation.message_templates import seed_defaults
from quita.settings import Settings

DEMO_ADMIN = ("admin", "quita-demo")
CUSTOMERS = 220
RECEIVABLES = 1000

CITIES = [
    ("Campinas", "SP"),
    ("São Paulo", "SP"),
    ("Ribeirão Preto", "SP"),
    ("Rio de Janeiro", "RJ"),
    ("Niterói", "RJ"),
    ("Vitória", "ES"),
    ("Manaus", "AM"),
    ("Maceió", "AL"),
    ("Belo Horizonte", "MG"),
    ("Curitiba", "PR"),
    ("Recife", "PE"),
]
PLANS = {
    "Fibra 100": Decimal("79.90"),
    "Fibra 300": Decimal("99.90"),
    "Fibra 600": Decimal("129.90"),
    "Fibra 1 Giga": Decimal("199.90"),
    "Empresarial 500": Decimal("349.90"),
}
BILLING_METHODS = ["boleto", "boleto", "boleto", "pix", "cartao", "debito"]

# (description, default, first-due days, amount range, min installment, options)
# options: (installments, days between, interest discount %, debt discount %, min down %)
CONDITIONS = [
    (
        "À vista com desconto de juros e dívida",
        True,
        3,
        (Decimal("0.00"), Decimal("99999.99")),
        None,
        [(1, 0, "100", "10", "0")],
    ),
    (
        "Parcelado sem entrada",
        False,
        5,
        (Decimal("50.00"), Decimal("99999.99")),
        Decimal("30.00"),
        [(2, 30, "50", "0", "0"), (3, 30, "50", "0", "0"), (6, 30, "0", "0", "0")],
    ),
    (
        "Com entrada mínima, vencimentos a cada 20 dias",
        False,
        2,
        (Decimal("150.00"), Decimal("99999.99")),
        Decimal("20.00"),
        [(4, 20, "0", "0", "30"), (6, 20, "0", "0", "40")],
    ),
]
RESULT_TYPES = [
    ("Negociado", ResultKind.NEGOTIATED),
    ("Reagendar", ResultKind.RESCHEDULE),
    ("Sem negociação", ResultKind.NO_NEGOTIATION),
    ("Não atende", ResultKind.UNREACHABLE),
    ("Pessoa errada", ResultKind.WRONG_PARTY),
]
COLLECTION_STATUSES = [
    ("Em negociação", False),
    ("Acordo firmado", True),
    ("Negativado Serasa", False),
    ("Pago após contato", True),
]
CONTACT_TYPES = [
    ("Telefone", ContactKind.PHONE),
    ("Robô", ContactKind.ROBOT_CALL),
    ("Telegram", ContactKind.TELEGRAM),
    ("E-mail", ContactKind.EMAIL),
    ("SMS", ContactKind.SMS),
]


async def _catalog() -> None:
    for name, kind in RESULT_TYPES:
        await ResultType.get_or_create(name=name, defaults={"kind": kind})
    for name, allows in COLLECTION_STATUSES:
        await CollectionStatus.get_or_create(name=name, defaults={"allows_receipt": allows})
    for name, kind in CONTACT_TYPES:
        await ContactType.get_or_create(name=name, defaults={"kind": kind})


async def _conditions() -> list[PaymentCondition]:
    made = []
    for description, default, first_due, (low, high), min_inst, options in CONDITIONS:
        condition, created = await PaymentCondition.get_or_create(
            description=description,
            defaults={
                "is_default": default,
                "days_to_first_due": first_due,
                "amount_min": low,
                "amount_max": high,
                "overdue_days_min": 1,
                "overdue_days_max": 3650,
                "billing_method_generate": "boleto",
                "fine_pct": Decimal("2"),
                "interest_pct": Decimal("1"),
                "min_installment_amount": min_inst,
            },
        )
        if created:
            await InstallmentOption.bulk_create(
                [
                    InstallmentOption(
                        condition=condition,
                        position=i,
                        installments=n,
                        days_between=days,
                        interest_discount_pct=Decimal(idisc),
                        debt_discount_pct=Decimal(ddisc),
                        min_down_payment_pct=Decimal(down),
                    )
                    for i, (n, days, idisc, ddisc, down) in enumerate(options)
                ]
            )
        made.append(condition)
    return made


async def _rule(conditions: list[PaymentCondition]) -> None:
    rule, created = await CollectionRule.get_or_create(
        description="Inadimplentes de SP com 30 dias ou mais",
        defaults={"active": True, "priority": 10, "minutes_per_call": 5, "general": True},
    )
    if not created:
        return
    await rule.conditions.add(*[c for c in conditions if not c.is_default])
    await RuleFilter.bulk_create(
        [
            RuleFilter.line(rule, 0, FilterField.STATE, FilterOperator.IN, ["SP"]),
            RuleFilter.line(rule, 1, FilterField.DAYS_LATE, FilterOperator.GE, 30),
        ]
    )
    # The default templates of each channel (migration 0010, or `seed_defaults` below).
    sms = await MessageTemplate.filter(channel=DeliveryChannel.SMS).order_by("id").first()
    email = await MessageTemplate.filter(channel=DeliveryChannel.EMAIL).order_by("id").first()
    await CollectionAction.bulk_create(
        [
            CollectionAction(rule=rule, kind=ActionKind.SMS, days_late=30, message_template=sms),
            CollectionAction(rule=rule, kind=ActionKind.ROBOT_CALL, days_late=45),
            CollectionAction(
                rule=rule, kind=ActionKind.EMAIL, days_late=60, message_template=email
            ),
        ]
    )


def _paid_at(due: date, today: date, rng: random.Random) -> datetime:
    return datetime.combine(min(due + timedelta(days=rng.randint(0, 5)), today), time(12), UTC)


async def _people(fake: Faker, rng: random.Random, today: date) -> None:
    if await Customer.filter(external_id__startswith="DEMO-").exists():
        return
    customers = []
    for n in range(1, CUSTOMERS + 1):
        company = n % 10 == 0
        city, state = rng.choice(CITIES)
        plan = "Empresarial 500" if company else rng.choice(list(PLANS)[:4])
        customers.append(
            Customer(
                external_id=f"DEMO-{n:04d}",
                name=fake.company() if company else fake.name(),
                document=normalize_document(fake.cnpj() if company else fake.cpf()),
                birth_date=None if company else fake.date_of_birth(minimum_age=18, maximum_age=80),
                email=fake.free_email(),
                city=city,
                state=state,
                plan=plan,
                status=rng.choice(["active", "active", "active", "suspended"]),
            )
        )
    await Customer.bulk_create(customers)
    stored = await Customer.filter(external_id__startswith="DEMO-").order_by("id")
    await CustomerPhone.bulk_create(
        [
            CustomerPhone(
                customer=c, number=f"+55{rng.randint(11, 99)}9{rng.randint(10**7, 10**8 - 1)}"
            )
            for c in stored
        ]
    )
    # 1,000 monthly bills: every customer gets at least one, the rest spread at random.
    counts = [1] * len(stored)
    for _ in range(RECEIVABLES - len(stored)):
        counts[rng.randrange(len(stored))] += 1
    bills = []
    number = 0
    for customer, count in zip(stored, counts, strict=True):
        first_due = today - timedelta(days=30 * count - rng.randint(0, 40))
        for k in range(count):
            number += 1
            due = first_due + timedelta(days=30 * k)
            paid = due < today and rng.random() < 0.35
            bills.append(
                Receivable(
                    customer=customer,
                    external_id=f"DEMO-R{number:05d}",
                    issue_date=due - timedelta(days=10),
                    due_date=due,
                    amount=PLANS[customer.plan],
                    billing_method=rng.choice(BILLING_METHODS),
                    status=ReceivableStatus.PAID if paid else ReceivableStatus.OPEN,
                    paid_at=_paid_at(due, today, rng) if paid else None,
                )
            )
    await Receivable.bulk_create(bills, batch_size=500)


async def _users() -> None:
    agency, _ = await Agency.get_or_create(
        name="Escritório Fictício de Cobrança Ltda",
        defaults={
            "cnpj": "11444777000161",
            "email": "contato@cobranca.example",
            "contact_name": "Marta Exemplo",
        },
    )
    username, password = DEMO_ADMIN
    users = {
        username: {"full_name": "Administrador (demo)", "role": Role.ADMIN},
        "escritorio": {"full_name": "Escritório (demo)", "role": Role.AGENCY, "agency": agency},
    }
    existing = set(await User.filter(username__in=list(users)).values_list("username", flat=True))
    missing = [name for name in users if name not in existing]
    if not missing:
        return  # a restart: Argon2 is slow on purpose, hash nothing
    # One hash for both: the demo password is the same and public (README).
    password_hash = hash_password(password)
    for name in missing:
        await User.create(username=name, password_hash=password_hash, **users[name])


async def load_demo(settings: Settings) -> dict[str, int]:
    """Load the demo base; returns how many rows of each kind the database now has."""
    fake = Faker("pt_BR")
    fake.seed_instance(2026)
    rng = random.Random(2026)
    today = today_in(settings.timezone)
    async with in_transaction():
        await _catalog()
        await seed_defaults()
        conditions = await _conditions()
        await _rule(conditions)
        await _people(fake, rng, today)
        await _users()
    return {
        "customers": await Customer.all().count(),
        "receivables": await Receivable.all().count(),
        "conditions": await PaymentCondition.all().count(),
        "rules": await CollectionRule.all().count(),
        "users": await User.all().count(),
    }
