"""Small builders for stored test data (real rows, real database)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from itertools import count

from validate_docbr import CPF

from models import (
    Call,
    Campaign,
    CampaignEntry,
    CollectionRule,
    ContactType,
    Customer,
    EntryResult,
    InstallmentOption,
    Message,
    PaymentCondition,
    Receivable,
    User,
)
from models.enums import CallDirection, CallStatus, Channel, ContactActor, Role
from quita.settings import Settings

_seq = count(1)

_cpf = CPF()

# The configuration a test passes to a service when it checks no particular setting.
SETTINGS = Settings(_env_file=None, secret_key="k" * 40)


async def make_customer(**overrides) -> Customer:
    n = next(_seq)
    values = {
        "external_id": f"C{n}",
        "name": f"Cliente Fictício {n}",
        "document": _cpf.generate(),
        "city": "Campinas",
        "state": "SP",
        "plan": "Fibra 300",
    }
    values.update(overrides)
    return await Customer.create(**values)


async def make_receivable(
    customer: Customer, due: date, amount: str, billing_method: str = "boleto", **extra
) -> Receivable:
    n = next(_seq)
    return await Receivable.create(
        customer=customer,
        external_id=f"R{n}",
        issue_date=min(due, extra.pop("issue_date", due)),
        due_date=due,
        amount=Decimal(amount),
        billing_method=billing_method,
        **extra,
    )


async def make_condition(options=((1, 0, "100", "10", "0"),), **overrides) -> PaymentCondition:
    """Options as (installments, days_between, interest_disc, debt_disc, min_down_pct)."""
    values = {
        "description": "Condição de teste",
        "amount_min": Decimal("0.00"),
        "amount_max": Decimal("99999.99"),
        "overdue_days_min": 1,
        "overdue_days_max": 9999,
        "fine_pct": Decimal("2"),
        "interest_pct": Decimal("1"),
        "days_to_first_due": 3,
    }
    values.update(overrides)
    condition = await PaymentCondition.create(**values)
    for position, (n, days, idisc, ddisc, down) in enumerate(options):
        await InstallmentOption.create(
            condition=condition,
            position=position,
            installments=n,
            days_between=days,
            interest_discount_pct=Decimal(idisc),
            debt_discount_pct=Decimal(ddisc),
            min_down_payment_pct=Decimal(down),
        )
    return condition


# The seed's three kinds of option, as in issue 2's worked example.
SEED_OPTIONS = (
    (1, 0, "100", "10", "0"),
    (3, 30, "50", "0", "0"),
    (4, 20, "0", "0", "30"),
)


def new_inbound_call(**overrides) -> Call:
    """An inbound call in progress from +5519988887777, not saved."""
    values = {
        "direction": CallDirection.INBOUND,
        "status": CallStatus.IN_PROGRESS,
        "from_number": "+5519988887777",
        "to_number": "+5519999990000",
    }
    values.update(overrides)
    return Call(**values)


async def voice_timeline(sid: str) -> list[Message]:
    """The messages of the voice conversation of call `sid`, in order."""
    return (
        await Message.filter(conversation__channel=Channel.VOICE, conversation__external_ref=sid)
        .order_by("created_at", "id")
        .all()
    )


async def make_entry(customer: Customer | None = None, **overrides) -> CampaignEntry:
    """A pending call-list entry of a fresh rule and campaign (contact type "Ligação")."""
    n = next(_seq)
    rule = await CollectionRule.create(description=f"Régua {n}", active=True)
    kind, _ = await ContactType.get_or_create(name="Ligação")
    campaign = await Campaign.create(rule=rule, description=f"Campanha {n}", contact_type=kind)
    values = {
        "campaign": campaign,
        "rule": rule,
        "customer": customer or await make_customer(),
        "position": 1,
        "total_debt": Decimal("100.00"),
        "receivables_count": 1,
        "oldest_due_date": date(2026, 10, 1),
    }
    values.update(overrides)
    return await CampaignEntry.create(**values)


async def make_result(
    customer: Customer | None = None, *, at: datetime, user: User | None = None, **fields
) -> EntryResult:
    """A result recorded at `at` on a fresh entry: by `user` (an attendant, or the agency of an
    agency user), or by the robot without one. `fields`: result_type, notes, agreement..."""
    entry = await make_entry(customer)
    if user is None:
        actor = ContactActor.ROBOT
    else:
        actor = ContactActor.AGENCY if user.role == Role.AGENCY else ContactActor.ATTENDANT
    return await EntryResult.create(entry=entry, actor=actor, user=user, recorded_at=at, **fields)
